// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title PaymentChannels
/// @notice One-way ETH payment channels, one per (payer, provider). The payer deposits; each request carries an
///         EIP-712 voucher signed by the payer with the cumulative amount owed on the channel; the provider claims
///         the newest vouchers of many channels in one transaction. The payer leaves only through a delayed
///         withdrawal, during which the provider can still claim.
/// @dev Accounting per channel: claimed + withdrawn <= deposited, always. A voucher pays
///      min(cumulativeAmount, deposited - withdrawn) - claimed when that is positive.
contract PaymentChannels {
    /// @notice A channel's accounting (all amounts cumulative over the channel's life).
    struct Channel {
        uint128 deposited; // total deposited by the payer
        uint128 claimed; // total paid to the provider
        uint128 withdrawn; // total returned to the payer
        uint64 withdrawReadyAt; // 0: no withdrawal pending; else earliest finalizeWithdraw time
    }

    /// @notice A payer-signed voucher as submitted by the provider.
    struct SignedVoucher {
        bytes32 channelId;
        uint256 cumulativeAmount;
        bytes signature; // 65 bytes r || s || v, signed by the payer over the EIP-712 Voucher
    }

    /// @notice EIP-712 type hash of `Voucher(bytes32 channelId,uint256 cumulativeAmount)`.
    bytes32 public constant VOUCHER_TYPEHASH = keccak256("Voucher(bytes32 channelId,uint256 cumulativeAmount)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("Verity PaymentChannels");
    bytes32 private constant VERSION_HASH = keccak256("1");
    /// @dev secp256k1 order / 2: signatures with a larger s are malleable copies and are rejected.
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice Seconds between initiateWithdraw and the earliest finalizeWithdraw.
    uint64 public immutable withdrawDelay;
    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    mapping(bytes32 channelId => Channel) internal _channels;
    bool private transient _entered;

    /// @notice The payer deposited `amount` into the channel.
    event Deposited(bytes32 indexed channelId, address indexed payer, address indexed provider, uint256 amount);
    /// @notice The provider claimed `amount`; `claimed` is the channel's new cumulative claimed total.
    event Claimed(bytes32 indexed channelId, address indexed provider, uint256 amount, uint256 claimed);
    /// @notice The payer started a withdrawal that can be finalized at `readyAt`.
    event WithdrawInitiated(bytes32 indexed channelId, address indexed payer, uint256 readyAt);
    /// @notice The payer cancelled a pending withdrawal.
    event WithdrawCancelled(bytes32 indexed channelId, address indexed payer);
    /// @notice The payer got the channel's remaining balance `amount` back.
    event WithdrawFinalized(bytes32 indexed channelId, address indexed payer, uint256 amount);

    /// @notice withdrawDelay is zero.
    error InvalidDelay();
    /// @notice msg.value must be > 0.
    error ZeroValue();
    /// @notice The provider address is zero or the payer itself.
    error InvalidProvider(address provider);
    /// @notice The channel's total deposit would overflow uint128.
    error DepositTooLarge();
    /// @notice The voucher list is empty.
    error NoVouchers();
    /// @notice The signature is not 65 bytes, has a high s or bad v, or recovers to nothing.
    error InvalidSignature();
    /// @notice The voucher's channel is not the channel of (recovered signer, msg.sender).
    error WrongChannel(bytes32 channelId, bytes32 expected);
    /// @notice No voucher increased what the channel had paid.
    error NothingToClaim();
    /// @notice A withdrawal is already pending.
    error WithdrawPending(bytes32 channelId);
    /// @notice No withdrawal is pending.
    error NoWithdrawPending(bytes32 channelId);
    /// @notice The withdrawal delay has not passed.
    error WithdrawNotReady(uint256 readyAt, uint256 nowTimestamp);
    /// @notice The channel holds no balance.
    error EmptyChannel(bytes32 channelId);
    /// @notice An ETH transfer failed.
    error TransferFailed(address to, uint256 amount);
    /// @notice Re-entrant call.
    error Reentrancy();

    modifier nonReentrant() {
        if (_entered) revert Reentrancy();
        _entered = true;
        _;
        _entered = false;
    }

    /// @param withdrawDelay_ seconds a provider has to claim after the payer initiates a withdrawal (> 0)
    constructor(uint64 withdrawDelay_) {
        if (withdrawDelay_ == 0) revert InvalidDelay();
        withdrawDelay = withdrawDelay_;
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator();
    }

    // ------------------------------------------------------------------ views

    /// @notice The id of the channel from `payer` to `provider`: keccak256(abi.encode(payer, provider)).
    function channelIdOf(address payer, address provider) public pure returns (bytes32) {
        return keccak256(abi.encode(payer, provider));
    }

    /// @notice A channel's accounting (all zero if it never existed).
    function channel(bytes32 channelId) external view returns (Channel memory) {
        return _channels[channelId];
    }

    /// @notice What the channel still holds: deposited - claimed - withdrawn.
    function balanceOf(bytes32 channelId) public view returns (uint256) {
        Channel storage c = _channels[channelId];
        return uint256(c.deposited) - c.claimed - c.withdrawn;
    }

    /// @notice The EIP-712 domain separator (name "Verity PaymentChannels", version "1", chainid, this).
    function domainSeparator() public view returns (bytes32) {
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _buildDomainSeparator();
    }

    /// @notice The EIP-712 digest a payer signs for a voucher.
    function voucherDigest(bytes32 channelId, uint256 cumulativeAmount) public view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(VOUCHER_TYPEHASH, channelId, cumulativeAmount));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    // ------------------------------------------------------------------ payer

    /// @notice Adds msg.value to the channel from msg.sender to `provider` (opening it on first use).
    function deposit(address provider) external payable returns (bytes32 channelId) {
        if (msg.value == 0) revert ZeroValue();
        if (provider == address(0) || provider == msg.sender) revert InvalidProvider(provider);
        channelId = channelIdOf(msg.sender, provider);
        Channel storage c = _channels[channelId];
        uint256 deposited = uint256(c.deposited) + msg.value;
        if (deposited > type(uint128).max) revert DepositTooLarge();
        // forge-lint: disable-next-line(unsafe-typecast) checked against uint128 max just above
        c.deposited = uint128(deposited);
        emit Deposited(channelId, msg.sender, provider, msg.value);
    }

    /// @notice Starts leaving the channel to `provider`; the balance left after `withdrawDelay` can be taken back.
    function initiateWithdraw(address provider) external {
        bytes32 channelId = channelIdOf(msg.sender, provider);
        Channel storage c = _channels[channelId];
        if (c.withdrawReadyAt != 0) revert WithdrawPending(channelId);
        if (balanceOf(channelId) == 0) revert EmptyChannel(channelId);
        uint64 readyAt = uint64(block.timestamp) + withdrawDelay;
        c.withdrawReadyAt = readyAt;
        emit WithdrawInitiated(channelId, msg.sender, readyAt);
    }

    /// @notice Cancels a pending withdrawal from the channel to `provider`.
    function cancelWithdraw(address provider) external {
        bytes32 channelId = channelIdOf(msg.sender, provider);
        Channel storage c = _channels[channelId];
        if (c.withdrawReadyAt == 0) revert NoWithdrawPending(channelId);
        c.withdrawReadyAt = 0;
        emit WithdrawCancelled(channelId, msg.sender);
    }

    /// @notice After the delay, pays the channel's whole remaining balance back to the payer.
    function finalizeWithdraw(address provider) external nonReentrant returns (uint256 amount) {
        bytes32 channelId = channelIdOf(msg.sender, provider);
        Channel storage c = _channels[channelId];
        uint256 readyAt = c.withdrawReadyAt;
        if (readyAt == 0) revert NoWithdrawPending(channelId);
        if (block.timestamp < readyAt) revert WithdrawNotReady(readyAt, block.timestamp);
        amount = uint256(c.deposited) - c.claimed - c.withdrawn;
        // forge-lint: disable-next-line(unsafe-typecast) amount <= deposited, a uint128
        c.withdrawn += uint128(amount);
        c.withdrawReadyAt = 0;
        emit WithdrawFinalized(channelId, msg.sender, amount);
        _send(msg.sender, amount);
    }

    // ------------------------------------------------------------------ provider

    /// @notice Claims the newest vouchers of any number of channels to msg.sender in one transfer.
    /// @dev Each voucher must be signed by the channel's payer and name the channel (payer, msg.sender). A voucher
    ///      not above what its channel already paid pays nothing; the total must be > 0.
    function claim(SignedVoucher[] calldata vouchers) external nonReentrant returns (uint256 total) {
        uint256 n = vouchers.length;
        if (n == 0) revert NoVouchers();
        bytes32 separator = domainSeparator();
        for (uint256 i = 0; i < n; ++i) {
            SignedVoucher calldata v = vouchers[i];
            bytes32 digest = keccak256(
                abi.encodePacked(
                    "\x19\x01", separator, keccak256(abi.encode(VOUCHER_TYPEHASH, v.channelId, v.cumulativeAmount))
                )
            );
            address payer = _recover(digest, v.signature);
            bytes32 expected = channelIdOf(payer, msg.sender);
            if (v.channelId != expected) revert WrongChannel(v.channelId, expected);
            Channel storage c = _channels[expected];
            uint256 cap = uint256(c.deposited) - c.withdrawn;
            uint256 target = v.cumulativeAmount < cap ? v.cumulativeAmount : cap;
            uint256 claimed = c.claimed;
            if (target > claimed) {
                // forge-lint: disable-next-line(unsafe-typecast) target <= deposited, a uint128
                c.claimed = uint128(target);
                total += target - claimed;
                emit Claimed(expected, msg.sender, target - claimed, target);
            }
        }
        if (total == 0) revert NothingToClaim();
        _send(msg.sender, total);
    }

    // ------------------------------------------------------------------ internals

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// @dev ecrecover of a 65-byte r || s || v signature, rejecting malleable (high s) and invalid ones.
    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address signer) {
        if (signature.length != 65) revert InvalidSignature();
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v < 27) v += 27;
        if ((v != 27 && v != 28) || uint256(s) > HALF_ORDER) revert InvalidSignature();
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert InvalidSignature();
    }

    function _send(address to, uint256 amount) private {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
