// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IProgramRegistry} from "../interfaces/IProgramRegistry.sol";
import {IVerityService} from "../interfaces/IVerityService.sol";
import {ProgramState} from "../vm/ProgramState.sol";
import {StateCodec} from "../vm/StateCodec.sol";
import {IStepVerifier} from "./IStepVerifier.sol";

/// @title Arbitration
/// @notice The Verity dispute game (docs/drafts/arbitration.md). Signed EIP-712 responses that disagree about one
///         request open a dispute; every two participants with different result hashes play a match: both commit
///         the final state of the padded trace, then 16-ary dissection narrows the first diverging interval to one
///         step, which `RiscVStep` settles. Chess clocks bound every match. Losers are slashed, the pot is split
///         between surviving participants, the requester and a treasury through withdrawable balances.
contract Arbitration {
    // ------------------------------------------------------------------ types

    /// @notice The request every response of a dispute is about (all fields are signed, see RESPONSE_TYPEHASH).
    struct RequestInfo {
        bytes32 requestHash; // keccak of the signed off-chain transaction
        address requester; // its sender
        bytes4 selector; // the method called
        bytes32 programHash; // service.programOf(selector)
        bytes32 inputHash; // keccak(chunkRoot(input) || u32(len)), docs/protocol.md §1.6
    }

    /// @notice A provider's answer: the result hash it asserts and its 65-byte EIP-712 signature (r || s || v).
    struct SignedResponse {
        bytes32 resultHash;
        bytes signature;
    }

    /// @notice One party of a dispute: a provider who signed a response, or the challenger who bonded a claim.
    struct Participant {
        address account;
        bool isChallenger; // stakes a bond held here instead of a service stake
        bool equivocator; // signed two different results for the request: loses without playing
        bool lost; // lost at least one match (or equivocated)
        bytes32 resultHash;
    }

    /// @notice Phase of a match. The zero value is the phase a fresh match starts in, so open() writes no match.
    enum Phase {
        Final, // both sides commit the final state of the trace
        Dissect, // both sides post 15 intermediate state hashes of the current interval
        Step, // the interval has width 1: anyone proves the step
        Done
    }

    /// @notice A match between participants a < b. All-zero storage is a fresh match (lazily started).
    struct Match {
        Phase phase;
        uint8 roundsDone; // dissection rounds completed; width = 16^(rounds - roundsDone)
        bool movedA; // side a has moved in the current round
        bool movedB;
        bool lostA;
        bool lostB;
        uint64 lo; // first step index of the current interval
        uint40 roundStart; // when the current round began (0: the dispute's openedAt)
        uint40 usedA; // seconds of clock used by side a
        uint40 usedB;
        bytes32 start; // agreed state hash at lo (read as the initial state while roundsDone == 0)
        bytes32 endA; // side a's state hash at lo + width
        bytes32 endB;
        bytes32 pending; // keccak of the 15 hashes posted first in this round (0 if none)
    }

    struct Dispute {
        IVerityService service;
        uint40 openedAt;
        uint8 rounds; // r with 16^r the least power of 16 > maxSteps
        bool settled;
        uint16 openMatches; // matches not yet decided
        uint16 totalMatches; // pairs of participants with different results
        address requester;
        uint256 bond; // the challenger's bond, 0 if opened by responses
        bytes32 requestHash;
        bytes32 initialState;
    }

    // ------------------------------------------------------------------ constants and parameters

    /// @notice EIP-712 type of a signed response.
    bytes32 public constant RESPONSE_TYPEHASH = keccak256(
        "Response(address service,bytes32 requestHash,address requester,bytes4 selector,bytes32 programHash,bytes32 inputHash,bytes32 resultHash)"
    );
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("Verity");
    bytes32 private constant VERSION_HASH = keccak256("1");

    /// @notice Intermediate hashes per side per dissection round (16-ary dissection).
    uint256 public constant ARITY = 16;
    /// @notice At most this many responses (or participants) in one dispute: bounds open() and settle() gas.
    uint256 public constant MAX_PARTICIPANTS = 16;
    uint256 private constant BPS = 10_000;
    /// @dev secp256k1 n / 2: signatures with a larger s are the malleable twin and are refused.
    uint256 private constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    IProgramRegistry public immutable registry;
    IStepVerifier public immutable stepVerifier;
    /// @notice Seconds each side of a match may spend in total waiting to move (its chess clock).
    uint40 public immutable clockBudget;
    /// @notice Minimum bond (wei) of a challenge to a single response.
    uint256 public immutable challengeBond;
    /// @notice Basis points of the slashed pot that the surviving participants share.
    uint16 public immutable winnersBps;
    /// @notice Basis points of the slashed pot that the requester receives.
    uint16 public immutable requesterBps;
    /// @notice Receives the rest of the pot (and the winners' share when nobody survives).
    address public immutable treasury;

    uint256 private immutable cachedChainId;
    bytes32 private immutable cachedDomainSeparator;

    // ------------------------------------------------------------------ state

    uint256 public disputeCount;
    mapping(uint256 => Dispute) internal disputes;
    mapping(uint256 => Participant[]) internal participantsOf;
    /// @dev disputeId => (a << 8 | b) => match.
    mapping(uint256 => mapping(uint256 => Match)) internal matches;
    /// @dev service => requestHash => provider => in an unsettled dispute about that request. One dispute at a time
    ///      per provider and request, so the same signatures cannot force an honest provider into many games.
    mapping(address => mapping(bytes32 => mapping(address => bool))) internal inDispute;
    /// @notice Withdrawable balances (pull payments).
    mapping(address => uint256) public balanceOf;
    /// @notice The result hash that survived a dispute about (service, requestHash); 0 if none yet.
    mapping(address => mapping(bytes32 => bytes32)) public verifiedResult;

    // ------------------------------------------------------------------ events

    event DisputeOpened(
        uint256 indexed disputeId,
        address indexed service,
        bytes32 indexed requestHash,
        address requester,
        bytes32 programHash,
        bytes32 initialState,
        uint8 rounds,
        uint256 participants
    );
    event ParticipantJoined(
        uint256 indexed disputeId, uint256 index, address indexed account, bytes32 resultHash, bool isChallenger
    );
    event Equivocated(uint256 indexed disputeId, uint256 index, address indexed account);
    event FinalStateCommitted(uint256 indexed disputeId, uint256 a, uint256 b, uint256 side, bytes32 stateHash);
    event HashesPosted(
        uint256 indexed disputeId, uint256 a, uint256 b, uint256 side, uint256 round, bytes32[15] hashes
    );
    event IntervalNarrowed(
        uint256 indexed disputeId,
        uint256 a,
        uint256 b,
        uint256 lo,
        uint256 width,
        bytes32 start,
        bytes32 endA,
        bytes32 endB
    );
    event StepProved(uint256 indexed disputeId, uint256 a, uint256 b, uint256 stepIndex, bytes32 postState);
    event MatchDecided(uint256 indexed disputeId, uint256 a, uint256 b, bool lostA, bool lostB, bool byTimeout);
    event Slashed(uint256 indexed disputeId, address indexed account, uint256 amount);
    event DisputeSettled(uint256 indexed disputeId, bytes32 verifiedResult, uint256 pot, uint256 winners);
    event Credited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    // ------------------------------------------------------------------ errors

    error BadParameters();
    error ServiceNotArbitrated(address service, address arbitration);
    error ProgramMismatch(bytes32 signed, bytes32 ofSelector);
    error ProgramNotRegistered(bytes32 programHash);
    error InputTooLong(uint256 length, uint256 maxInput);
    error InputMismatch(bytes32 computed, bytes32 signed);
    error BadResponseCount(uint256 count);
    error BadSignature(uint256 index);
    error SignerNotSlashable(address signer);
    error DuplicateSigner(address signer);
    error NoDisagreement();
    error BondTooLow(uint256 sent, uint256 required);
    error SelfChallenge(address account);
    error NoSuchDispute(uint256 disputeId);
    error AlreadyInDispute(address provider);
    error NoSuchMatch(uint256 disputeId, uint256 a, uint256 b);
    error NotParticipant(address caller);
    error WrongPhase(Phase actual, Phase expected);
    error AlreadyMoved(uint256 side);
    error ClockExpired(uint256 side);
    error NotTimedOut();
    error MatchOver();
    error BadStateLength(uint256 length);
    error NotHalted();
    error ResultMismatch(bytes32 derived, bytes32 claimed);
    error OpponentHashesMismatch();
    error WrongPreState(bytes32 computed, bytes32 agreed);
    error MatchesOpen(uint256 open);
    error AlreadySettled();
    error NothingToWithdraw();
    error WithdrawFailed();
    error Reentrancy();

    // ------------------------------------------------------------------ construction

    /// @notice Deploys the game with its per-deployment parameters (see docs/drafts/arbitration.md §Parameters).
    constructor(
        IProgramRegistry registry_,
        IStepVerifier stepVerifier_,
        uint40 clockBudget_,
        uint256 challengeBond_,
        uint16 winnersBps_,
        uint16 requesterBps_,
        address treasury_
    ) {
        if (
            address(registry_) == address(0) || address(stepVerifier_) == address(0) || clockBudget_ == 0
                || uint256(winnersBps_) + requesterBps_ > BPS || treasury_ == address(0)
        ) revert BadParameters();
        registry = registry_;
        stepVerifier = stepVerifier_;
        clockBudget = clockBudget_;
        challengeBond = challengeBond_;
        winnersBps = winnersBps_;
        requesterBps = requesterBps_;
        treasury = treasury_;
        cachedChainId = block.chainid;
        cachedDomainSeparator = _buildDomainSeparator();
    }

    /// @notice Accepts slashed stakes from services (accounted by balance difference, never by trust).
    receive() external payable {}

    modifier nonReentrant() {
        bool entered;
        assembly ("memory-safe") {
            entered := tload(0)
        }
        if (entered) revert Reentrancy();
        assembly ("memory-safe") {
            tstore(0, 1)
        }
        _;
        assembly ("memory-safe") {
            tstore(0, 0)
        }
    }

    // ------------------------------------------------------------------ EIP-712

    /// @notice The EIP-712 domain separator (name "Verity", version "1", this chain, this contract).
    function domainSeparator() public view returns (bytes32) {
        return block.chainid == cachedChainId ? cachedDomainSeparator : _buildDomainSeparator();
    }

    /// @notice The EIP-712 digest a provider signs for `resultHash` as the answer to `req` on `service`.
    function responseDigest(address service, RequestInfo calldata req, bytes32 resultHash)
        public
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                RESPONSE_TYPEHASH,
                service,
                req.requestHash,
                req.requester,
                req.selector,
                req.programHash,
                req.inputHash,
                resultHash
            )
        );
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(), structHash));
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// @dev Recovers the signer of a 65-byte r||s||v signature; 0 for anything malformed or malleable.
    function _recover(bytes32 digest, bytes calldata sig) private pure returns (address) {
        if (sig.length != 65) return address(0);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := calldataload(sig.offset)
            s := calldataload(add(sig.offset, 32))
            v := byte(0, calldataload(add(sig.offset, 64)))
        }
        if (uint256(s) > HALF_N || (v != 27 && v != 28)) return address(0);
        return ecrecover(digest, v, r, s);
    }

    // ------------------------------------------------------------------ opening

    /// @notice Opens a dispute from 2..16 signed responses to one request with at least two distinct results.
    /// @dev Signers must be slashable (not only active): a provider who asked to exit after lying is still caught.
    ///      A signer of two different results is an equivocator: it loses without playing and is slashed.
    function open(
        IVerityService service,
        RequestInfo calldata req,
        bytes calldata input,
        SignedResponse[] calldata responses
    ) external nonReentrant returns (uint256 disputeId) {
        uint256 n = responses.length;
        if (n < 2 || n > MAX_PARTICIPANTS) revert BadResponseCount(n);
        (bytes32 initialState, uint8 rounds) = _checkRequest(service, req, input);
        disputeId = _newDispute(service, req, initialState, rounds, 0);
        bool disagree;
        for (uint256 i; i < n; ++i) {
            _addResponse(disputeId, service, req, responses[i], i);
            if (responses[i].resultHash != responses[0].resultHash) disagree = true;
        }
        if (!disagree) revert NoDisagreement();
        Participant[] storage ps = participantsOf[disputeId];
        uint256 m;
        for (uint256 i; i < ps.length; ++i) {
            service.lockProvider(ps[i].account);
            if (ps[i].equivocator) continue;
            for (uint256 j = i + 1; j < ps.length; ++j) {
                if (!ps[j].equivocator && ps[j].resultHash != ps[i].resultHash) ++m;
            }
        }
        Dispute storage d = disputes[disputeId];
        // At most 16 * 15 / 2 = 120 pairs.
        // forge-lint: disable-next-line(unsafe-typecast)
        d.openMatches = uint16(m);
        // forge-lint: disable-next-line(unsafe-typecast)
        d.totalMatches = uint16(m);
        _emitOpened(disputeId, req.programHash);
    }

    function _enter(IVerityService service, bytes32 requestHash, address provider) private {
        mapping(address => bool) storage busy = inDispute[address(service)][requestHash];
        if (busy[provider]) revert AlreadyInDispute(provider);
        busy[provider] = true;
    }

    function _emitOpened(uint256 disputeId, bytes32 programHash) private {
        Dispute storage d = disputes[disputeId];
        emit DisputeOpened(
            disputeId,
            address(d.service),
            d.requestHash,
            d.requester,
            programHash,
            d.initialState,
            d.rounds,
            participantsOf[disputeId].length
        );
    }

    /// @dev Verifies one response and adds its signer, or marks the signer an equivocator if it signed another result.
    function _addResponse(
        uint256 disputeId,
        IVerityService service,
        RequestInfo calldata req,
        SignedResponse calldata response,
        uint256 index
    ) private {
        bytes32 result = response.resultHash;
        address signer = _recover(responseDigest(address(service), req, result), response.signature);
        if (signer == address(0)) revert BadSignature(index);
        Participant[] storage ps = participantsOf[disputeId];
        for (uint256 j; j < ps.length; ++j) {
            if (ps[j].account != signer) continue;
            if (ps[j].resultHash == result) revert DuplicateSigner(signer);
            if (!ps[j].equivocator) {
                ps[j].equivocator = true;
                ps[j].lost = true;
                emit Equivocated(disputeId, j, signer);
            }
            return;
        }
        if (!service.isSlashable(signer)) revert SignerNotSlashable(signer);
        _enter(service, req.requestHash, signer);
        ps.push(Participant(signer, false, false, false, result));
        emit ParticipantJoined(disputeId, ps.length - 1, signer, result, false);
    }

    /// @notice Challenges one signed response with a different result claim, bonding msg.value >= challengeBond.
    function challenge(
        IVerityService service,
        RequestInfo calldata req,
        bytes calldata input,
        SignedResponse calldata response,
        bytes32 claimedResult
    ) external payable nonReentrant returns (uint256 disputeId) {
        if (msg.value < challengeBond) revert BondTooLow(msg.value, challengeBond);
        if (claimedResult == response.resultHash) revert NoDisagreement();
        (bytes32 initialState, uint8 rounds) = _checkRequest(service, req, input);
        address signer = _recover(responseDigest(address(service), req, response.resultHash), response.signature);
        if (signer == address(0)) revert BadSignature(0);
        if (signer == msg.sender) revert SelfChallenge(signer);
        if (!service.isSlashable(signer)) revert SignerNotSlashable(signer);
        _enter(service, req.requestHash, signer);
        disputeId = _newDispute(service, req, initialState, rounds, msg.value);
        Participant[] storage ps = participantsOf[disputeId];
        ps.push(Participant(signer, false, false, false, response.resultHash));
        ps.push(Participant(msg.sender, true, false, false, claimedResult));
        disputes[disputeId].openMatches = 1;
        disputes[disputeId].totalMatches = 1;
        service.lockProvider(signer);
        emit ParticipantJoined(disputeId, 0, signer, response.resultHash, false);
        emit ParticipantJoined(disputeId, 1, msg.sender, claimedResult, true);
        _emitOpened(disputeId, req.programHash);
    }

    /// @dev Checks service, program and input; returns the initial state hash and the number of dissection rounds.
    function _checkRequest(IVerityService service, RequestInfo calldata req, bytes calldata input)
        private
        view
        returns (bytes32 initialState, uint8 rounds)
    {
        address arb = service.arbitration();
        if (arb != address(this)) revert ServiceNotArbitrated(address(service), arb);
        bytes32 ofSelector = service.programOf(req.selector);
        if (ofSelector != req.programHash) revert ProgramMismatch(req.programHash, ofSelector);
        IProgramRegistry.ProgramInfo memory p = registry.program(req.programHash);
        if (!p.registered) revert ProgramNotRegistered(req.programHash);
        if (input.length > p.maxInput) revert InputTooLong(input.length, p.maxInput);
        bytes32 root = ProgramState.chunkRoot(input);
        bytes32 computed = ProgramState.inputHash(root, uint32(input.length));
        if (computed != req.inputHash) revert InputMismatch(computed, req.inputHash);
        initialState = ProgramState.initialStateHash(
            p.memRoot, p.entry, p.maxSteps, p.memLimit, p.maxOutput, root, uint32(input.length)
        );
        rounds = traceRounds(p.maxSteps);
    }

    function _newDispute(
        IVerityService service,
        RequestInfo calldata req,
        bytes32 initialState,
        uint8 rounds,
        uint256 bond
    ) private returns (uint256 disputeId) {
        disputeId = ++disputeCount;
        Dispute storage d = disputes[disputeId];
        d.service = service;
        d.openedAt = uint40(block.timestamp);
        d.rounds = rounds;
        d.requester = req.requester;
        d.bond = bond;
        d.requestHash = req.requestHash;
        d.initialState = initialState;
    }

    /// @notice Least r with 16^r > maxSteps: the padded trace has T = 16^r steps and S_T is a halted state.
    function traceRounds(uint64 maxSteps) public pure returns (uint8 r) {
        uint256 t = 1;
        while (t <= maxSteps) {
            t <<= 4;
            ++r;
        }
    }

    // ------------------------------------------------------------------ moves

    /// @notice Commits the caller's final state (S_T) of match (a, b): a halted 329-byte encoding whose result hash
    ///         equals the caller's claim.
    function commitFinal(uint256 disputeId, uint256 a, uint256 b, bytes calldata finalState) external nonReentrant {
        (Match storage m, Dispute storage d) = _match(disputeId, a, b);
        _expectPhase(m, Phase.Final);
        uint256 side = _side(disputeId, a, b);
        if (finalState.length != StateCodec.LENGTH) revert BadStateLength(finalState.length);
        (uint8 status, bytes32 result) = ProgramState.resultOf(finalState);
        if (status == StateCodec.RUNNING) revert NotHalted();
        bytes32 claimed = participantsOf[disputeId][side == 0 ? a : b].resultHash;
        if (result != claimed) revert ResultMismatch(result, claimed);
        bytes32 h = StateCodec.hashCalldata(finalState);
        _chargeClock(m, d, side);
        if (side == 0) m.endA = h;
        else m.endB = h;
        emit FinalStateCommitted(disputeId, a, b, side, h);
        if (m.movedA && m.movedB) {
            // Different result hashes imply different final states, so the ends differ from the start on.
            _nextRound(m, d);
            if (m.phase == Phase.Step) return;
            m.phase = Phase.Dissect;
            emit IntervalNarrowed(disputeId, a, b, 0, uint256(1) << (4 * d.rounds), d.initialState, m.endA, m.endB);
        }
    }

    /// @notice Posts the caller's 15 intermediate state hashes of the current interval (at lo + i*width/16).
    ///         The second side to post in a round also passes the first side's hashes (from its HashesPosted
    ///         event); the contract then keeps the first sub-interval whose end hashes differ.
    function bisect(uint256 disputeId, uint256 a, uint256 b, bytes32[15] calldata mine, bytes32[15] calldata theirs)
        external
        nonReentrant
    {
        (Match storage m, Dispute storage d) = _match(disputeId, a, b);
        _expectPhase(m, Phase.Dissect);
        uint256 side = _side(disputeId, a, b);
        _chargeClock(m, d, side);
        emit HashesPosted(disputeId, a, b, side, m.roundsDone, mine);
        if (!(m.movedA && m.movedB)) {
            m.pending = keccak256(abi.encode(mine));
            return;
        }
        if (keccak256(abi.encode(theirs)) != m.pending) revert OpponentHashesMismatch();
        if (side == 0) _narrow(m, d, mine, theirs);
        else _narrow(m, d, theirs, mine);
        emit IntervalNarrowed(
            disputeId, a, b, m.lo, uint256(1) << (4 * (d.rounds - m.roundsDone)), m.start, m.endA, m.endB
        );
    }

    /// @dev Keeps the first of the 16 sub-intervals whose end hashes differ; its start is then agreed.
    function _narrow(Match storage m, Dispute storage d, bytes32[15] calldata ha, bytes32[15] calldata hb) private {
        uint256 sub = uint256(1) << (4 * (d.rounds - m.roundsDone - 1));
        // First j in 1..16 with differing hashes at lo + j*sub; j = 16 compares the current ends, which differ.
        uint256 j = 1;
        while (j < ARITY && ha[j - 1] == hb[j - 1]) ++j;
        if (j > 1) m.start = ha[j - 2];
        else if (m.roundsDone == 0) m.start = d.initialState;
        // lo + width <= T <= 2^64, and the new lo is below the old lo + width.
        // forge-lint: disable-next-line(unsafe-typecast)
        m.lo = uint64(m.lo + (j - 1) * sub);
        if (j < ARITY) {
            m.endA = ha[j - 1];
            m.endB = hb[j - 1];
        }
        m.pending = 0;
        m.roundsDone += 1;
        _nextRound(m, d);
        if (m.phase != Phase.Step) m.phase = Phase.Dissect;
    }

    /// @notice Settles a width-1 interval: anyone submits the agreed pre-state and its step proof; each side whose
    ///         end hash differs from the verified post-state loses (both may lose).
    function proveStep(uint256 disputeId, uint256 a, uint256 b, bytes calldata preState, bytes calldata proof)
        external
        nonReentrant
    {
        (Match storage m, Dispute storage d) = _match(disputeId, a, b);
        _expectPhase(m, Phase.Step);
        if (preState.length != StateCodec.LENGTH) revert BadStateLength(preState.length);
        bytes32 agreed = m.roundsDone == 0 ? d.initialState : m.start;
        bytes32 pre = StateCodec.hashCalldata(preState);
        if (pre != agreed) revert WrongPreState(pre, agreed);
        bytes32 post = stepVerifier.step(preState, proof);
        emit StepProved(disputeId, a, b, m.lo, post);
        _decide(disputeId, a, b, m, d, m.endA != post, m.endB != post, false);
    }

    /// @notice Ends match (a, b) for every side whose clock ran out while a move was expected from it.
    function timeout(uint256 disputeId, uint256 a, uint256 b) external nonReentrant {
        (Match storage m, Dispute storage d) = _match(disputeId, a, b);
        if (m.phase == Phase.Done) revert MatchOver();
        uint256 elapsed = block.timestamp - _roundStart(m, d);
        bool outA = !m.movedA && m.usedA + elapsed > clockBudget;
        bool outB = !m.movedB && m.usedB + elapsed > clockBudget;
        if (!outA && !outB) revert NotTimedOut();
        _decide(disputeId, a, b, m, d, outA, outB, true);
    }

    function _match(uint256 disputeId, uint256 a, uint256 b) private view returns (Match storage m, Dispute storage d) {
        d = disputes[disputeId];
        if (address(d.service) == address(0)) revert NoSuchDispute(disputeId);
        Participant[] storage ps = participantsOf[disputeId];
        if (a >= b || b >= ps.length || ps[a].equivocator || ps[b].equivocator || ps[a].resultHash == ps[b].resultHash)
        {
            revert NoSuchMatch(disputeId, a, b);
        }
        m = matches[disputeId][(a << 8) | b];
    }

    function _side(uint256 disputeId, uint256 a, uint256 b) private view returns (uint256) {
        Participant[] storage ps = participantsOf[disputeId];
        if (msg.sender == ps[a].account) return 0;
        if (msg.sender == ps[b].account) return 1;
        revert NotParticipant(msg.sender);
    }

    function _expectPhase(Match storage m, Phase expected) private view {
        if (m.phase != expected) revert WrongPhase(m.phase, expected);
    }

    function _roundStart(Match storage m, Dispute storage d) private view returns (uint256) {
        return m.roundStart == 0 ? d.openedAt : m.roundStart;
    }

    /// @dev Charges the side's clock for the time since the round began; reverts if it already ran out.
    function _chargeClock(Match storage m, Dispute storage d, uint256 side) private {
        uint256 elapsed = block.timestamp - _roundStart(m, d);
        if (side == 0) {
            if (m.movedA) revert AlreadyMoved(0);
            if (m.usedA + elapsed > clockBudget) revert ClockExpired(0);
            // elapsed <= clockBudget (a uint40) here.
            // forge-lint: disable-next-line(unsafe-typecast)
            m.usedA += uint40(elapsed);
            m.movedA = true;
        } else {
            if (m.movedB) revert AlreadyMoved(1);
            if (m.usedB + elapsed > clockBudget) revert ClockExpired(1);
            // forge-lint: disable-next-line(unsafe-typecast)
            m.usedB += uint40(elapsed);
            m.movedB = true;
        }
    }

    /// @dev Starts the next round: both clocks run again; at width 1 the match moves to the step phase.
    function _nextRound(Match storage m, Dispute storage d) private {
        m.movedA = false;
        m.movedB = false;
        m.roundStart = uint40(block.timestamp);
        if (m.roundsDone == d.rounds) m.phase = Phase.Step;
    }

    function _decide(
        uint256 disputeId,
        uint256 a,
        uint256 b,
        Match storage m,
        Dispute storage d,
        bool lostA,
        bool lostB,
        bool byTimeout
    ) private {
        m.phase = Phase.Done;
        m.lostA = lostA;
        m.lostB = lostB;
        Participant[] storage ps = participantsOf[disputeId];
        if (lostA) ps[a].lost = true;
        if (lostB) ps[b].lost = true;
        d.openMatches -= 1;
        emit MatchDecided(disputeId, a, b, lostA, lostB, byTimeout);
    }

    // ------------------------------------------------------------------ settlement

    /// @notice Once every match is decided: slashes every loser, splits the pot, unlocks providers and records the
    ///         verified result when exactly one result survived a contest. Callable by anyone, once.
    function settle(uint256 disputeId) external nonReentrant {
        Dispute storage d = disputes[disputeId];
        if (address(d.service) == address(0)) revert NoSuchDispute(disputeId);
        if (d.settled) revert AlreadySettled();
        if (d.openMatches != 0) revert MatchesOpen(d.openMatches);
        d.settled = true;
        (uint256 pot, uint256 winners, bytes32 survivor) = _collect(disputeId, d);
        _release(disputeId, d);
        uint256 each = winners == 0 ? 0 : (pot * winnersBps / BPS) / winners;
        uint256 toRequester = pot * requesterBps / BPS;
        Participant[] storage ps = participantsOf[disputeId];
        for (uint256 i; i < ps.length; ++i) {
            if (!ps[i].lost) _credit(ps[i].account, each + (ps[i].isChallenger ? d.bond : 0));
        }
        _credit(d.requester, toRequester);
        _credit(treasury, pot - each * winners - toRequester);
        // Record only a result that survived at least one match and is the only surviving one.
        if (d.totalMatches == 0) survivor = 0;
        if (survivor != 0) {
            mapping(bytes32 => bytes32) storage vr = verifiedResult[address(d.service)];
            if (vr[d.requestHash] == 0) vr[d.requestHash] = survivor;
        }
        emit DisputeSettled(disputeId, survivor, pot, winners);
    }

    /// @dev Slashes every loser (and takes a losing challenger's bond); returns the pot, the number of survivors,
    ///      and their common result hash (0 if none survived or they disagree).
    function _collect(uint256 disputeId, Dispute storage d)
        private
        returns (uint256 pot, uint256 winners, bytes32 survivor)
    {
        Participant[] storage ps = participantsOf[disputeId];
        bool mixed;
        for (uint256 i; i < ps.length; ++i) {
            Participant storage p = ps[i];
            if (p.lost) {
                pot += p.isChallenger ? d.bond : _slash(disputeId, d.service, p.account);
            } else {
                ++winners;
                if (survivor == 0) survivor = p.resultHash;
                else if (survivor != p.resultHash) mixed = true;
            }
        }
        if (mixed) survivor = 0;
    }

    /// @dev Frees every provider of the dispute: the one-dispute-per-request mark and the service's lock.
    function _release(uint256 disputeId, Dispute storage d) private {
        IVerityService service = d.service;
        Participant[] storage ps = participantsOf[disputeId];
        mapping(address => bool) storage busy = inDispute[address(service)][d.requestHash];
        for (uint256 i; i < ps.length; ++i) {
            if (ps[i].isChallenger) continue;
            busy[ps[i].account] = false;
            // A broken service must not block the payouts: at worst its own providers stay locked.
            try service.unlockProvider(ps[i].account) {} catch {}
        }
    }

    /// @dev Slashes through the service and counts what actually arrived (a service cannot inflate the pot).
    function _slash(uint256 disputeId, IVerityService service, address provider) private returns (uint256 got) {
        uint256 before = address(this).balance;
        try service.slash(provider) {} catch {}
        got = address(this).balance - before;
        emit Slashed(disputeId, provider, got);
    }

    function _credit(address account, uint256 amount) private {
        if (amount == 0) return;
        balanceOf[account] += amount;
        emit Credited(account, amount);
    }

    /// @notice Sends the caller's whole balance to it (pull payment).
    function withdraw() external nonReentrant {
        uint256 amount = balanceOf[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        balanceOf[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert WithdrawFailed();
        emit Withdrawn(msg.sender, amount);
    }

    // ------------------------------------------------------------------ views

    /// @notice The dispute's header.
    function getDispute(uint256 disputeId) external view returns (Dispute memory) {
        return disputes[disputeId];
    }

    /// @notice The dispute's participants, in index order (match (a, b) is between indices a < b).
    function getParticipants(uint256 disputeId) external view returns (Participant[] memory) {
        return participantsOf[disputeId];
    }

    /// @notice Match (a, b) with its implicit values filled in: start, roundStart, and the current width.
    function getMatch(uint256 disputeId, uint256 a, uint256 b) external view returns (Match memory m, uint256 width) {
        Dispute storage d = disputes[disputeId];
        m = matches[disputeId][(a << 8) | b];
        if (m.roundsDone == 0) m.start = d.initialState;
        if (m.roundStart == 0) m.roundStart = d.openedAt;
        width = uint256(1) << (4 * (d.rounds - m.roundsDone));
    }
}
