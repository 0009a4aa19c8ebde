// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IVerityService} from "../interfaces/IVerityService.sol";
import {IProgramRegistry} from "../interfaces/IProgramRegistry.sol";
import {ProgramState} from "../vm/ProgramState.sol";
import {StateCodec} from "../vm/StateCodec.sol";

/// @title VerityService
/// @notice Base contract of a Verity service. A service's external functions are its IDL: each method selector maps
///         to a registered program hash and a price. Providers stake and register here; only the Arbitration contract
///         can lock and slash them. Calling a method on chain is the censorship-resistant fallback (`_request`).
/// @dev The storage layout of slots 0..9 is part of the protocol (clients prove it with eth_getProof); it is mirrored
///      by packages/protocol/src/storage-layout.ts. Derived contracts must not reorder it; their own state variables
///      come after it. Non-provable configuration (arbitration, registry, delays) is immutable.
abstract contract VerityService is IVerityService {
    // ------------------------------------------------------------------ types

    /// @notice Lifecycle of a provider address. Slashed is final; Withdrawn may register again.
    enum ProviderStatus {
        None,
        Active,
        Exiting,
        Withdrawn,
        Slashed
    }

    /// @notice A provider record. Storage at `base = keccak256(abi.encode(provider, 1))`:
    ///         base+0 stake; base+1 packed [status u8 @ byte 0 | exitRequestedAt u64 @ bytes 1..8 |
    ///         locks u32 @ bytes 9..12 | listed bool @ byte 13] (byte 0 = least significant); base+2 host (string).
    struct Provider {
        uint256 stake;
        ProviderStatus status;
        uint64 exitRequestedAt;
        uint32 locks;
        bool listed;
        string host;
    }

    /// @notice State of an on-chain (fallback) request.
    enum RequestStatus {
        None,
        Pending,
        Answered,
        Cancelled
    }

    /// @notice An on-chain request and, once answered, its response.
    struct OnchainRequest {
        address requester;
        uint64 deadline;
        bytes4 selector;
        RequestStatus status;
        bytes32 programHash;
        bytes32 inputHash;
        uint256 payment;
        address provider;
        bytes32 resultHash;
    }

    // ------------------------------------------------------------------ storage (protocol layout, do not reorder)

    /// @dev slot 0: every address that ever registered, in registration order (length at slot 0).
    address[] internal _providerList;
    /// @dev slot 1: provider records.
    mapping(address provider => Provider) internal _providers;
    /// @dev slot 2: method selector => program hash (0 = not a method).
    mapping(bytes4 selector => bytes32 programHash) internal _methods;
    /// @dev slot 3: method selector => price in wei per call.
    mapping(bytes4 selector => uint256 weiPerCall) internal _prices;
    /// @dev slot 4: off-chain chain id (low 8 bytes), fixed at deployment.
    uint64 internal _offchainChainId;
    /// @dev slot 5: minimum stake of an active provider, fixed at deployment.
    uint256 internal _minStake;
    /// @dev slot 6: owner (sets methods and prices).
    address internal _owner;
    /// @dev slot 7: pending owner of a two-step ownership transfer.
    address internal _pendingOwner;
    /// @dev slot 8: number of on-chain requests so far (request nonce).
    uint256 internal _requestCount;
    /// @dev slot 9: on-chain requests by id.
    mapping(bytes32 requestId => OnchainRequest) internal _requests;
    /// @dev slot 10: posted outputs of answered on-chain requests.
    mapping(bytes32 requestId => bytes output) internal _outputs;

    /// @dev Re-entrancy guard in transient storage (occupies no storage slot).
    bool private transient _entered;

    // ------------------------------------------------------------------ immutable configuration

    /// @notice Longest host string a provider may register, in bytes.
    uint256 public constant MAX_HOST_LENGTH = 256;
    /// @notice EIP-712 type of a provider's signed response (shared with Arbitration).
    bytes32 public constant RESPONSE_TYPEHASH = keccak256(
        "Response(address service,bytes32 requestHash,address requester,bytes4 selector,bytes32 programHash,bytes32 inputHash,bytes32 resultHash)"
    );
    bytes32 private constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    /// @dev secp256k1 order / 2: signatures with a larger s are malleable twins and are refused.
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    /// @dev Largest VM status code defined by docs/protocol.md §1.2.
    uint8 private constant MAX_STATUS = 9;

    address internal immutable _arbitration;
    IProgramRegistry internal immutable _registry;
    uint64 internal immutable _unbondingDelay;
    uint64 internal immutable _requestTimeout;

    // ------------------------------------------------------------------ events

    /// @notice A provider registered (or registered again after withdrawing).
    event ProviderRegistered(address indexed provider, string host, uint256 stake);
    /// @notice A provider added stake.
    event StakeAdded(address indexed provider, uint256 amount, uint256 stake);
    /// @notice A provider changed its host.
    event HostUpdated(address indexed provider, string host);
    /// @notice A provider asked to leave; it may withdraw at `withdrawableAt` if not locked.
    event ExitRequested(address indexed provider, uint256 withdrawableAt);
    /// @notice A provider withdrew its stake and left.
    event Withdrawn(address indexed provider, uint256 amount);
    /// @notice Arbitration slashed a provider's whole stake.
    event Slashed(address indexed provider, uint256 amount, address indexed to);
    /// @notice Arbitration locked a provider (open dispute); `locks` is the new count.
    event ProviderLocked(address indexed provider, uint32 locks);
    /// @notice Arbitration released a lock; `locks` is the new count.
    event ProviderUnlocked(address indexed provider, uint32 locks);
    /// @notice The owner bound a method to a program and a price (programHash 0: removed).
    event MethodSet(bytes4 indexed selector, bytes32 indexed programHash, uint256 weiPerCall);
    /// @notice A two-step ownership transfer started.
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    /// @notice Ownership changed.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    /// @notice An on-chain request: `input` is the full calldata of the method call (selector included).
    event Request(
        bytes32 indexed requestId, address indexed requester, bytes4 selector, bytes32 programHash, bytes input
    );
    /// @notice A provider-signed response to an on-chain request was posted; the provider was paid `payment`.
    ///         `resultHash` is docs/protocol.md §1.8 over (status, exitCode, outputHash(output)).
    event ResponsePosted(
        bytes32 indexed requestId,
        address indexed provider,
        bytes32 resultHash,
        uint8 status,
        uint32 exitCode,
        bytes output,
        uint256 payment
    );
    /// @notice An unanswered on-chain request was cancelled after its deadline and refunded.
    event RequestCancelled(bytes32 indexed requestId, uint256 refund);

    // ------------------------------------------------------------------ errors

    /// @notice A constructor argument is zero or otherwise unusable.
    error InvalidConfig(string reason);
    /// @notice Caller is not the owner.
    error NotOwner(address caller);
    /// @notice Caller is not the pending owner.
    error NotPendingOwner(address caller);
    /// @notice Caller is not the Arbitration contract.
    error NotArbitration(address caller);
    /// @notice The program hash is not registered in the ProgramRegistry.
    error ProgramNotRegistered(bytes32 programHash);
    /// @notice The selector is not a method of this service.
    error UnknownMethod(bytes4 selector);
    /// @notice msg.value is below what is required.
    error InsufficientValue(uint256 required, uint256 sent);
    /// @notice msg.value must be > 0.
    error ZeroValue();
    /// @notice Host is empty or longer than MAX_HOST_LENGTH bytes.
    error InvalidHost(uint256 length);
    /// @notice The provider's status does not allow this operation.
    error InvalidProviderStatus(address provider, ProviderStatus status);
    /// @notice The unbonding delay has not passed yet.
    error UnbondingNotOver(uint256 withdrawableAt, uint256 nowTimestamp);
    /// @notice The provider has open disputes.
    error ProviderIsLocked(address provider, uint32 locks);
    /// @notice unlockProvider without a matching lockProvider.
    error ProviderNotLocked(address provider);
    /// @notice The input is larger than the method's program accepts.
    error InputTooLarge(uint256 length, uint256 maxInput);
    /// @notice The output is larger than the method's program can produce.
    error OutputTooLarge(uint256 length, uint256 maxOutput);
    /// @notice The request id is unknown or not pending.
    error RequestNotPending(bytes32 requestId);
    /// @notice The request deadline has not passed yet.
    error RequestNotExpired(bytes32 requestId, uint256 deadline);
    /// @notice Only the requester may do this.
    error NotRequester(address caller);
    /// @notice The response signature is malformed or does not recover to an active provider.
    error InvalidResponseSignature(address recovered);
    /// @notice A response's status is Running (0) or unknown, or a non-Exited response carries output or exit code.
    error InvalidResult(uint8 status);
    /// @notice An ETH transfer failed.
    error TransferFailed(address to, uint256 amount);
    /// @notice Re-entrant call.
    error Reentrancy();
    /// @notice Index past the end of the provider list.
    error IndexOutOfRange(uint256 index, uint256 length);

    // ------------------------------------------------------------------ modifiers

    modifier onlyOwner() {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        _;
    }

    modifier onlyArbitration() {
        if (msg.sender != _arbitration) revert NotArbitration(msg.sender);
        _;
    }

    modifier nonReentrant() {
        if (_entered) revert Reentrancy();
        _entered = true;
        _;
        _entered = false;
    }

    // ------------------------------------------------------------------ constructor

    /// @param owner_ sets methods and prices
    /// @param arbitration_ the only address that may slash, lock and unlock providers
    /// @param registry_ the ProgramRegistry that method program hashes must be registered in
    /// @param minStake_ minimum stake of a provider, in wei (> 0)
    /// @param unbondingDelay_ seconds between requestExit and withdraw; must exceed the longest dispute
    /// @param requestTimeout_ seconds after which an unanswered on-chain request may be cancelled and refunded
    constructor(
        address owner_,
        address arbitration_,
        address registry_,
        uint256 minStake_,
        uint64 unbondingDelay_,
        uint64 requestTimeout_
    ) {
        if (owner_ == address(0)) revert InvalidConfig("owner is zero");
        if (arbitration_ == address(0)) revert InvalidConfig("arbitration is zero");
        if (registry_.code.length == 0) revert InvalidConfig("registry has no code");
        if (minStake_ == 0) revert InvalidConfig("minStake is zero");
        if (unbondingDelay_ == 0) revert InvalidConfig("unbondingDelay is zero");
        if (requestTimeout_ == 0) revert InvalidConfig("requestTimeout is zero");
        _owner = owner_;
        _arbitration = arbitration_;
        _registry = IProgramRegistry(registry_);
        _minStake = minStake_;
        _unbondingDelay = unbondingDelay_;
        _requestTimeout = requestTimeout_;
        _offchainChainId = deriveOffchainChainId(block.chainid, address(this));
        emit OwnershipTransferred(address(0), owner_);
    }

    /// @notice The off-chain chain id rule: low 48 bits of keccak256(abi.encode("verity.offchain", chainId, service))
    ///         with bit 47 set (so never 0); if that equals chainId, bit 0 is flipped (so never chainId).
    function deriveOffchainChainId(uint256 chainId, address service) public pure returns (uint64) {
        uint64 id = uint64(uint48(uint256(keccak256(abi.encode("verity.offchain", chainId, service))))) | (1 << 47);
        if (id == chainId) id ^= 1;
        return id;
    }

    // ------------------------------------------------------------------ views: IVerityService

    /// @inheritdoc IVerityService
    function arbitration() external view returns (address) {
        return _arbitration;
    }

    /// @inheritdoc IVerityService
    function programOf(bytes4 selector) external view returns (bytes32) {
        return _methods[selector];
    }

    /// @inheritdoc IVerityService
    function priceOf(bytes4 selector) external view returns (uint256) {
        return _prices[selector];
    }

    /// @inheritdoc IVerityService
    function offchainChainId() external view returns (uint64) {
        return _offchainChainId;
    }

    /// @inheritdoc IVerityService
    function isActiveProvider(address provider) public view returns (bool) {
        Provider storage p = _providers[provider];
        return p.status == ProviderStatus.Active && p.stake >= _minStake;
    }

    /// @inheritdoc IVerityService
    function isSlashable(address provider) public view returns (bool) {
        Provider storage p = _providers[provider];
        return p.stake > 0 && (p.status == ProviderStatus.Active || p.status == ProviderStatus.Exiting);
    }

    /// @inheritdoc IVerityService
    function stakeOf(address provider) external view returns (uint256) {
        return _providers[provider].stake;
    }

    // ------------------------------------------------------------------ views: more

    /// @notice The ProgramRegistry that method programs must be registered in.
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @notice Minimum stake of an active provider, in wei.
    function minStake() external view returns (uint256) {
        return _minStake;
    }

    /// @notice Seconds between requestExit and the earliest withdraw.
    function unbondingDelay() external view returns (uint64) {
        return _unbondingDelay;
    }

    /// @notice Seconds after which an unanswered on-chain request may be cancelled.
    function requestTimeout() external view returns (uint64) {
        return _requestTimeout;
    }

    /// @notice The owner (sets methods and prices).
    function owner() external view returns (address) {
        return _owner;
    }

    /// @notice The pending owner of a two-step transfer (0 if none).
    function pendingOwner() external view returns (address) {
        return _pendingOwner;
    }

    /// @notice Number of addresses in the provider list (every address that ever registered).
    function providerCount() external view returns (uint256) {
        return _providerList.length;
    }

    /// @notice The i-th address of the provider list.
    function providerAt(uint256 index) external view returns (address) {
        if (index >= _providerList.length) revert IndexOutOfRange(index, _providerList.length);
        return _providerList[index];
    }

    /// @notice A page of the provider list: addresses [start, start + count) clipped to the list's end.
    function providers(uint256 start, uint256 count) external view returns (address[] memory page) {
        uint256 length = _providerList.length;
        uint256 end = start >= length ? start : (count > length - start ? length : start + count);
        page = new address[](end - start);
        for (uint256 i = start; i < end; ++i) {
            page[i - start] = _providerList[i];
        }
    }

    /// @notice The whole record of a provider (all zero for an unknown address).
    function providerInfo(address provider) external view returns (Provider memory) {
        return _providers[provider];
    }

    /// @notice The provider's host (empty for an unknown address).
    function hostOf(address provider) external view returns (string memory) {
        return _providers[provider].host;
    }

    /// @notice The provider's lifecycle status.
    function statusOf(address provider) external view returns (ProviderStatus) {
        return _providers[provider].status;
    }

    /// @notice Number of open disputes locking the provider.
    function locksOf(address provider) external view returns (uint32) {
        return _providers[provider].locks;
    }

    /// @notice Number of on-chain requests made so far.
    function requestCount() external view returns (uint256) {
        return _requestCount;
    }

    /// @notice An on-chain request record (status None if unknown).
    function requestInfo(bytes32 requestId) external view returns (OnchainRequest memory) {
        return _requests[requestId];
    }

    /// @notice The posted output of an answered on-chain request (empty otherwise).
    function outputOf(bytes32 requestId) external view returns (bytes memory) {
        return _outputs[requestId];
    }

    // ------------------------------------------------------------------ owner

    /// @notice Binds `selector` to a registered program and a price; the same call updates either.
    function setMethod(bytes4 selector, bytes32 programHash, uint256 weiPerCall) external onlyOwner {
        _setMethod(selector, programHash, weiPerCall);
    }

    /// @notice Removes a method: its selector maps to program 0 and price 0 again.
    function removeMethod(bytes4 selector) external onlyOwner {
        if (_methods[selector] == bytes32(0)) revert UnknownMethod(selector);
        delete _methods[selector];
        delete _prices[selector];
        emit MethodSet(selector, bytes32(0), 0);
    }

    /// @notice Changes the price of an existing method.
    function setPrice(bytes4 selector, uint256 weiPerCall) external onlyOwner {
        bytes32 programHash = _methods[selector];
        if (programHash == bytes32(0)) revert UnknownMethod(selector);
        _prices[selector] = weiPerCall;
        emit MethodSet(selector, programHash, weiPerCall);
    }

    /// @notice Starts a two-step ownership transfer (0 cancels it).
    function transferOwnership(address newOwner) external onlyOwner {
        _pendingOwner = newOwner;
        emit OwnershipTransferStarted(_owner, newOwner);
    }

    /// @notice Completes a two-step ownership transfer; only the pending owner.
    function acceptOwnership() external {
        if (msg.sender != _pendingOwner || msg.sender == address(0)) revert NotPendingOwner(msg.sender);
        address previous = _owner;
        _owner = msg.sender;
        _pendingOwner = address(0);
        emit OwnershipTransferred(previous, msg.sender);
    }

    /// @dev Method binding shared by setMethod and derived constructors.
    function _setMethod(bytes4 selector, bytes32 programHash, uint256 weiPerCall) internal {
        if (!_registry.isRegistered(programHash)) revert ProgramNotRegistered(programHash);
        _methods[selector] = programHash;
        _prices[selector] = weiPerCall;
        emit MethodSet(selector, programHash, weiPerCall);
    }

    // ------------------------------------------------------------------ providers

    /// @notice Registers msg.sender as a provider serving at `host`, staking msg.value (>= minStake).
    ///         An address that withdrew may register again; a slashed address may not.
    function register(string calldata host) external payable {
        Provider storage p = _providers[msg.sender];
        if (p.status != ProviderStatus.None && p.status != ProviderStatus.Withdrawn) {
            revert InvalidProviderStatus(msg.sender, p.status);
        }
        if (msg.value < _minStake) revert InsufficientValue(_minStake, msg.value);
        _checkHost(host);
        if (!p.listed) {
            p.listed = true;
            _providerList.push(msg.sender);
        }
        p.stake = msg.value;
        p.status = ProviderStatus.Active;
        p.exitRequestedAt = 0;
        p.host = host;
        emit ProviderRegistered(msg.sender, host, msg.value);
    }

    /// @notice Adds msg.value to the caller's stake; only while active.
    function addStake() external payable {
        Provider storage p = _providers[msg.sender];
        if (p.status != ProviderStatus.Active) revert InvalidProviderStatus(msg.sender, p.status);
        if (msg.value == 0) revert ZeroValue();
        uint256 stake = p.stake + msg.value;
        p.stake = stake;
        emit StakeAdded(msg.sender, msg.value, stake);
    }

    /// @notice Changes the caller's host; while active or exiting.
    function updateHost(string calldata host) external {
        Provider storage p = _providers[msg.sender];
        if (p.status != ProviderStatus.Active && p.status != ProviderStatus.Exiting) {
            revert InvalidProviderStatus(msg.sender, p.status);
        }
        _checkHost(host);
        p.host = host;
        emit HostUpdated(msg.sender, host);
    }

    /// @notice Stops serving: the caller becomes inactive at once and may withdraw after the unbonding delay.
    function requestExit() external {
        Provider storage p = _providers[msg.sender];
        if (p.status != ProviderStatus.Active) revert InvalidProviderStatus(msg.sender, p.status);
        p.status = ProviderStatus.Exiting;
        p.exitRequestedAt = uint64(block.timestamp);
        emit ExitRequested(msg.sender, block.timestamp + _unbondingDelay);
    }

    /// @notice Pays the caller's whole stake back after the unbonding delay, if no dispute locks it.
    function withdraw() external nonReentrant {
        Provider storage p = _providers[msg.sender];
        if (p.status != ProviderStatus.Exiting) revert InvalidProviderStatus(msg.sender, p.status);
        uint256 withdrawableAt = uint256(p.exitRequestedAt) + _unbondingDelay;
        if (block.timestamp < withdrawableAt) revert UnbondingNotOver(withdrawableAt, block.timestamp);
        if (p.locks != 0) revert ProviderIsLocked(msg.sender, p.locks);
        uint256 amount = p.stake;
        p.stake = 0;
        p.status = ProviderStatus.Withdrawn;
        p.exitRequestedAt = 0;
        emit Withdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    // ------------------------------------------------------------------ arbitration

    /// @inheritdoc IVerityService
    /// @dev Never reverts for a provider with nothing to take: returns 0 and changes nothing, so a dispute can
    ///      always be resolved even when a provider lost several disputes.
    function slash(address provider) external onlyArbitration nonReentrant returns (uint256 amount) {
        if (!isSlashable(provider)) return 0;
        Provider storage p = _providers[provider];
        amount = p.stake;
        p.stake = 0;
        p.status = ProviderStatus.Slashed;
        emit Slashed(provider, amount, msg.sender);
        _send(msg.sender, amount);
    }

    /// @inheritdoc IVerityService
    function lockProvider(address provider) external onlyArbitration {
        uint32 locks = _providers[provider].locks + 1;
        _providers[provider].locks = locks;
        emit ProviderLocked(provider, locks);
    }

    /// @inheritdoc IVerityService
    function unlockProvider(address provider) external onlyArbitration {
        uint32 locks = _providers[provider].locks;
        if (locks == 0) revert ProviderNotLocked(provider);
        unchecked {
            --locks;
        }
        _providers[provider].locks = locks;
        emit ProviderUnlocked(provider, locks);
    }

    // ------------------------------------------------------------------ on-chain fallback

    /// @notice Records an on-chain call of the current method as a request; a method body calls it.
    /// @dev Checks the method exists, msg.value >= price and the input fits the program; the whole msg.value is the
    ///      payment of whoever answers. The method's own return value on chain is meaningless (zero): the result
    ///      arrives with ResponsePosted.
    function _request() internal returns (bytes32 requestId) {
        bytes4 selector = msg.sig;
        bytes32 programHash = _methods[selector];
        if (programHash == bytes32(0)) revert UnknownMethod(selector);
        uint256 price = _prices[selector];
        if (msg.value < price) revert InsufficientValue(price, msg.value);
        uint256 maxInput = _registry.program(programHash).maxInput;
        if (msg.data.length > maxInput) revert InputTooLarge(msg.data.length, maxInput);
        uint256 nonce = _requestCount;
        _requestCount = nonce + 1;
        requestId = requestIdOf(nonce);
        _requests[requestId] = OnchainRequest({
            requester: msg.sender,
            deadline: uint64(block.timestamp + _requestTimeout),
            selector: selector,
            status: RequestStatus.Pending,
            programHash: programHash,
            inputHash: ProgramState.inputHash(msg.data),
            payment: msg.value,
            provider: address(0),
            resultHash: bytes32(0)
        });
        emit Request(requestId, msg.sender, selector, programHash, msg.data);
    }

    /// @notice Id of the `nonce`-th on-chain request of this service: keccak256(abi.encode(chainid, this, nonce)).
    function requestIdOf(uint256 nonce) public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), nonce));
    }

    /// @notice Refunds an unanswered on-chain request to its requester after its deadline.
    function cancelRequest(bytes32 requestId) external nonReentrant {
        OnchainRequest storage r = _requests[requestId];
        if (r.status != RequestStatus.Pending) revert RequestNotPending(requestId);
        if (msg.sender != r.requester) revert NotRequester(msg.sender);
        if (block.timestamp <= r.deadline) revert RequestNotExpired(requestId, r.deadline);
        uint256 refund = r.payment;
        r.status = RequestStatus.Cancelled;
        r.payment = 0;
        emit RequestCancelled(requestId, refund);
        _send(msg.sender, refund);
    }

    /// @notice Posts a provider's signed response to a pending on-chain request, stores it and pays the provider.
    /// @dev Anyone may post. The signature is the Arbitration contract's EIP-712 `Response` (see
    ///      responseDigest) with requestHash = requestId, so the posted answer can be disputed like an off-chain one.
    ///      `status` and `exitCode` are those of the run (docs/protocol.md §1.2, §1.8); a run that did not exit
    ///      (status != 1) has no output and exit code 0.
    function postResponse(
        bytes32 requestId,
        uint8 status,
        uint32 exitCode,
        bytes calldata output,
        bytes calldata signature
    ) external nonReentrant {
        OnchainRequest storage r = _requests[requestId];
        if (r.status != RequestStatus.Pending) revert RequestNotPending(requestId);
        if (status == 0 || status > MAX_STATUS) revert InvalidResult(status);
        if (status != StateCodec.EXITED && (output.length != 0 || exitCode != 0)) {
            revert InvalidResult(status);
        }
        uint256 maxOutput = _registry.program(r.programHash).maxOutput;
        if (output.length > maxOutput) revert OutputTooLarge(output.length, maxOutput);
        bytes32 resultHash = ProgramState.resultHash(status, exitCode, ProgramState.outputHash(output));
        address provider = _recover(
            responseDigest(requestId, r.requester, r.selector, r.programHash, r.inputHash, resultHash), signature
        );
        if (!isActiveProvider(provider)) revert InvalidResponseSignature(provider);
        uint256 payment = r.payment;
        r.status = RequestStatus.Answered;
        r.provider = provider;
        r.resultHash = resultHash;
        _outputs[requestId] = output;
        emit ResponsePosted(requestId, provider, resultHash, status, exitCode, output, payment);
        _send(provider, payment);
    }

    /// @notice The EIP-712 digest a provider signs for an answer: the Arbitration contract's `Response` struct in
    ///         its domain (name "Verity", version "1", this chain, arbitration()), with service = this.
    function responseDigest(
        bytes32 requestHash,
        address requester,
        bytes4 selector,
        bytes32 programHash,
        bytes32 inputHash,
        bytes32 resultHash
    ) public view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                EIP712_DOMAIN_TYPEHASH, keccak256("Verity"), keccak256("1"), block.chainid, address(_arbitration)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                RESPONSE_TYPEHASH, address(this), requestHash, requester, selector, programHash, inputHash, resultHash
            )
        );
        return keccak256(abi.encodePacked(hex"1901", domain, structHash));
    }

    /// @notice Output commitment of docs/protocol.md §1.7 over a whole output.
    function outputHashOf(bytes calldata output) external pure returns (bytes32) {
        return ProgramState.outputHash(output);
    }

    /// @notice Input commitment of docs/protocol.md §1.6 (what a request records as its inputHash).
    function inputHashOf(bytes calldata input) external pure returns (bytes32) {
        return ProgramState.inputHash(input);
    }

    /// @notice Result hash of docs/protocol.md §1.8 that a response for (status, exitCode, output) signs.
    function resultHashOf(uint8 status, uint32 exitCode, bytes calldata output) external pure returns (bytes32) {
        return ProgramState.resultHash(status, exitCode, ProgramState.outputHash(output));
    }

    // ------------------------------------------------------------------ internals

    /// @dev ecrecover of a 65-byte r || s || v signature; address(0) for anything malformed or malleable.
    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v < 27) v += 27;
        if ((v != 27 && v != 28) || uint256(s) > HALF_ORDER) return address(0);
        return ecrecover(digest, v, r, s);
    }

    function _checkHost(string calldata host) private pure {
        uint256 length = bytes(host).length;
        if (length == 0 || length > MAX_HOST_LENGTH) revert InvalidHost(length);
    }

    /// @dev Sends ETH after all state changes (callers are nonReentrant); reverts the whole call if refused.
    function _send(address to, uint256 amount) internal {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
