// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Arbitration} from "../../src/arbitration/Arbitration.sol";
import {IVerityService} from "../../src/interfaces/IVerityService.sol";
import {ProgramState} from "../../src/vm/ProgramState.sol";
import {RiscVStep} from "../../src/vm/RiscVStep.sol";
import {StateCodec} from "../../src/vm/StateCodec.sol";
import {ArbitrationBase, Log} from "./ArbitrationBase.sol";

/// @dev A challenger contract whose payout receiver re-enters the arbitration (and can be told to refuse ETH).
contract ReentrantChallenger {
    Arbitration internal immutable arb;
    bool public refuse;
    bool public reentryBlocked;
    uint256 public received;

    constructor(Arbitration arb_) {
        arb = arb_;
    }

    function setRefuse(bool r) external {
        refuse = r;
    }

    function challenge(
        IVerityService service,
        Arbitration.RequestInfo calldata req,
        bytes calldata input,
        Arbitration.SignedResponse calldata response,
        bytes32 claimed
    ) external payable returns (uint256) {
        return arb.challenge{value: msg.value}(service, req, input, response, claimed);
    }

    function commitFinal(uint256 id, bytes calldata st) external {
        arb.commitFinal(id, 0, 1, st);
    }

    function bisect(uint256 id, bytes32[15] calldata mine, bytes32[15] calldata theirs) external {
        arb.bisect(id, 0, 1, mine, theirs);
    }

    function withdraw() external {
        arb.withdraw();
    }

    receive() external payable {
        if (refuse) revert("refusing ETH");
        received += msg.value;
        // Try to withdraw again while the first withdrawal is in flight.
        try arb.withdraw() {}
        catch (bytes memory err) {
            // forge-lint: disable-next-line(unsafe-typecast)
            reentryBlocked = bytes4(err) == Arbitration.Reentrancy.selector;
        }
    }
}

/// @dev A service that answers the views correctly but fights settlement: its slash re-enters the arbitration and
///      then reverts, its unlock reverts. Only disputes about this service are affected, and they must still settle.
contract HostileService {
    address public arbitration;
    bytes32 internal program;

    constructor(address arb_, bytes32 program_) {
        arbitration = arb_;
        program = program_;
    }

    function programOf(bytes4) external view returns (bytes32) {
        return program;
    }

    function isSlashable(address) external pure returns (bool) {
        return true;
    }

    function lockProvider(address) external {}

    function unlockProvider(address) external pure {
        revert("no unlock");
    }

    function slash(address) external returns (uint256) {
        Arbitration(payable(arbitration)).settle(1); // re-entry: blocked by the guard
        return 0;
    }
}

/// @notice The match: final-state commits, 16-ary dissection, the real one-step proof, clocks and settlement.
contract ArbitrationGameTest is ArbitrationBase {
    bytes internal honestFinal;

    function setUp() public {
        _deploy(4095); // T = 4096 = 16^3: three dissection rounds
        honestFinal = _final("hello verity");
    }

    function _honest(uint256 who) internal view returns (Player memory) {
        return Player(providers[who], honestFinal, type(uint256).max);
    }

    function _liar(uint256 who, bytes memory output, uint256 diverge) internal view returns (Player memory) {
        return Player(providers[who], _final(output), diverge);
    }

    function _openTwo(Player memory a, Player memory b) internal returns (uint256) {
        return _open(_pair(_idx(a.account), _result(a.finalState), _idx(b.account), _result(b.finalState)));
    }

    function _idx(address p) internal view returns (uint256) {
        for (uint256 i; i < providers.length; ++i) {
            if (providers[i] == p) return i;
        }
        revert AssertionFailed("not a provider");
    }

    // ------------------------------------------------------------------ a whole match

    function test_honestBeatsLiar() public {
        Player memory h = _honest(0);
        Player memory l = _liar(1, "hello mallory", 1234);
        uint256 id = _openTwo(h, l);

        uint256 g = gasleft();
        vm.prank(h.account);
        arb.commitFinal(id, 0, 1, h.finalState);
        Log.gas("commitFinal", g - gasleft());
        vm.prank(l.account);
        arb.commitFinal(id, 0, 1, l.finalState);

        uint256 moves;
        while (true) {
            (Arbitration.Match memory m, uint256 width) = arb.getMatch(id, 0, 1);
            if (m.phase != Arbitration.Phase.Dissect) break;
            bytes32[15] memory ha = _points(h, honestFinal, m.lo, width / 16);
            bytes32[15] memory hb = _points(l, honestFinal, m.lo, width / 16);
            vm.prank(h.account);
            g = gasleft();
            arb.bisect(id, 0, 1, ha, hb);
            if (moves == 0) Log.gas("bisect (first side)", g - gasleft());
            vm.prank(l.account);
            g = gasleft();
            arb.bisect(id, 0, 1, hb, ha);
            if (moves == 0) Log.gas("bisect (second side, narrows)", g - gasleft());
            ++moves;
        }
        assertEq(moves, 3, "three rounds for 4096 steps");
        (Arbitration.Match memory fin, uint256 w) = arb.getMatch(id, 0, 1);
        assertEq(w, 1, "width 1");
        assertEq(fin.lo, 1234, "first divergence: step 1234 -> 1235");
        assertEq(fin.start, ProgramState.stateHash(honestFinal), "agreed pre-state");
        assertEq(uint256(fin.phase), uint256(Arbitration.Phase.Step), "step phase");

        g = gasleft();
        arb.proveStep(id, 0, 1, honestFinal, "");
        Log.gas("proveStep (halted pre-state)", g - gasleft());
        (fin,) = arb.getMatch(id, 0, 1);
        assertTrue(!fin.lostA && fin.lostB, "liar lost, honest won");

        uint256 treasuryBefore = arb.balanceOf(treasury);
        g = gasleft();
        arb.settle(id);
        Log.gas("settle (1 winner, 1 loser)", g - gasleft());
        assertEq(service.stakeOf(l.account), 0, "liar slashed");
        assertEq(service.stakeOf(h.account), STAKE, "honest keeps stake");
        assertEq(arb.balanceOf(h.account), STAKE * WINNERS_BPS / 10_000, "winner share");
        assertEq(arb.balanceOf(requester), STAKE * REQUESTER_BPS / 10_000, "requester share");
        assertEq(
            arb.balanceOf(treasury) - treasuryBefore,
            STAKE - STAKE * WINNERS_BPS / 10_000 - STAKE * REQUESTER_BPS / 10_000,
            "treasury rest"
        );
        assertEq(arb.verifiedResult(address(service), req.requestHash), _result(honestFinal), "verified result");
        assertEq(service.locksOf(h.account), 0, "honest unlocked");

        uint256 before = h.account.balance;
        vm.prank(h.account);
        arb.withdraw();
        assertEq(h.account.balance - before, STAKE * WINNERS_BPS / 10_000, "withdrawn");
        vm.prank(h.account);
        vm.expectRevert(Arbitration.NothingToWithdraw.selector);
        arb.withdraw();
        vm.expectRevert(Arbitration.AlreadySettled.selector);
        arb.settle(id);
    }

    /// Fuzz: wherever the liar's trace first departs (and whichever side is a), dissection finds that very step.
    function testFuzz_dissectionFindsFirstDivergence(uint256 diverge, bool liarFirst) public {
        diverge = bound(diverge, 1, 4095);
        Player memory h = _honest(0);
        Player memory l = _liar(1, "hello mallory", diverge);
        uint256 id;
        if (liarFirst) {
            l = _liar(0, "hello mallory", diverge);
            h = _honest(1);
            id = _openTwo(l, h);
            _playToStep(id, 0, 1, l, h, honestFinal);
        } else {
            id = _openTwo(h, l);
            _playToStep(id, 0, 1, h, l, honestFinal);
        }
        (Arbitration.Match memory m, uint256 w) = arb.getMatch(id, 0, 1);
        assertEq(w, 1, "width 1");
        assertEq(m.lo, diverge, "interval starts at the last agreed step");
        arb.proveStep(id, 0, 1, honestFinal, "");
        (m,) = arb.getMatch(id, 0, 1);
        assertTrue(liarFirst ? (m.lostA && !m.lostB) : (!m.lostA && m.lostB), "the liar loses");
    }

    function test_bothSidesWrongBothSlashed() public {
        Player memory a = _liar(0, "hello alice", 77);
        Player memory b = _liar(1, "hello bob", 77);
        uint256 id = _openTwo(a, b);
        _play(id, 0, 1, a, b, honestFinal);
        (Arbitration.Match memory m,) = arb.getMatch(id, 0, 1);
        assertTrue(m.lostA && m.lostB, "both lose: neither end is the verified post-state");
        uint256 treasuryBefore = arb.balanceOf(treasury);
        arb.settle(id);
        assertEq(service.stakeOf(a.account), 0, "a slashed");
        assertEq(service.stakeOf(b.account), 0, "b slashed");
        uint256 pot = 2 * STAKE;
        assertEq(arb.balanceOf(requester), pot * REQUESTER_BPS / 10_000, "requester");
        // No survivor: the winners' share goes to the treasury too.
        assertEq(arb.balanceOf(treasury) - treasuryBefore, pot - pot * REQUESTER_BPS / 10_000, "treasury");
        assertEq(arb.verifiedResult(address(service), req.requestHash), bytes32(0), "nothing verified");
    }

    function test_threeResultsFromFiveProviders() public {
        Player[5] memory ps = [
            _honest(0),
            _honest(1),
            _liar(2, "hello carol", 100),
            _liar(3, "hello carol", 100),
            _liar(4, "hello dave", 100)
        ];
        Arbitration.SignedResponse[] memory rs = new Arbitration.SignedResponse[](5);
        for (uint256 i; i < 5; ++i) {
            rs[i] = _response(i, _result(ps[i].finalState));
        }
        uint256 id = _open(rs);
        assertEq(arb.getDispute(id).openMatches, 8, "8 matches");
        for (uint256 a; a < 5; ++a) {
            for (uint256 b = a + 1; b < 5; ++b) {
                if (_result(ps[a].finalState) == _result(ps[b].finalState)) continue;
                _play(id, a, b, ps[a], ps[b], honestFinal);
            }
        }
        vm.expectRevert(abi.encodeWithSelector(Arbitration.NoSuchDispute.selector, id + 1));
        arb.settle(id + 1);
        uint256 g = gasleft();
        arb.settle(id);
        Log.gas("settle (5 participants, 3 slashed)", g - gasleft());
        uint256 pot = 3 * STAKE;
        uint256 each = (pot * WINNERS_BPS / 10_000) / 2;
        assertEq(arb.balanceOf(providers[0]), each, "honest 0");
        assertEq(arb.balanceOf(providers[1]), each, "honest 1");
        for (uint256 i = 2; i < 5; ++i) {
            assertEq(service.stakeOf(providers[i]), 0, "liar slashed");
            assertEq(arb.balanceOf(providers[i]), 0, "liar gets nothing");
        }
        assertEq(arb.verifiedResult(address(service), req.requestHash), _result(honestFinal), "verified");
        Arbitration.Participant[] memory parts = arb.getParticipants(id);
        assertTrue(parts[2].lost && parts[3].lost && parts[4].lost && !parts[0].lost, "losers");
    }

    /// A saboteur who signed the honest result but plays badly only sinks itself (matches are per participant).
    function test_saboteurCannotSinkHonestCoSigner() public {
        Player memory h = _honest(0);
        Player memory l = _liar(2, "hello mallory", 9);
        Arbitration.SignedResponse[] memory rs = new Arbitration.SignedResponse[](3);
        rs[0] = _response(0, _result(honestFinal));
        rs[1] = _response(1, _result(honestFinal));
        rs[2] = _response(2, _result(l.finalState));
        uint256 id = _open(rs);
        _play(id, 0, 2, h, l, honestFinal);
        // The saboteur never moves in its match against the liar and times out.
        vm.warp(block.timestamp + CLOCK + 1);
        arb.timeout(id, 1, 2);
        arb.settle(id);
        assertEq(service.stakeOf(providers[0]), STAKE, "honest co-signer safe");
        assertEq(service.stakeOf(providers[1]), 0, "saboteur slashed");
        assertEq(service.stakeOf(providers[2]), 0, "liar slashed (lost to the honest one)");
        assertEq(arb.verifiedResult(address(service), req.requestHash), _result(honestFinal), "verified");
    }

    // ------------------------------------------------------------------ real instruction steps

    /// @dev Hash at index i of a trace that reaches `pre` at k and then `post` (honest) or its own final state.
    function _witnessTrace(uint256 i, uint256 k, bytes32 pre, bytes32 post, bytes memory fin, bool honest)
        internal
        view
        returns (bytes32)
    {
        if (i == 0) return _initialHash();
        if (i <= k) return pre;
        if (i == 4096) return ProgramState.stateHash(fin);
        return honest ? post : ProgramState.stateHash(fin);
    }

    /// Every step witness the TypeScript VM wrote (one per instruction class and syscall, test/fixtures/step):
    /// dissection reaches the disputed instruction and the real RiscVStep decides for the honest side.
    function test_realStepWitnessesFromTheTypeScriptVm() public {
        string memory json = vm.readFile("test/fixtures/step/witnesses.json");
        uint256 count = vm.parseJsonUint(json, ".count");
        assertTrue(count > 0, "fixtures present");
        uint256 worst;
        for (uint256 c; c < count; ++c) {
            uint256 g = _playWitness(json, c);
            if (g > worst) worst = g;
        }
        Log.gas("proveStep, worst real witness (execution gas)", worst);
    }

    function _playWitness(string memory json, uint256 c) internal returns (uint256 g) {
        string memory at = string.concat(".cases[", vm.toString(c), "]");
        bytes memory pre = vm.parseJsonBytes(json, string.concat(at, ".pre"));
        bytes32 post = vm.parseJsonBytes32(json, string.concat(at, ".post"));
        bytes memory liarFinal = _final("hello mallory");
        req.requestHash = keccak256(abi.encode("request", c)); // a fresh request per case
        uint256 id = _open(_pair(0, _result(honestFinal), 1, _result(liarFinal)));
        vm.prank(providers[0]);
        arb.commitFinal(id, 0, 1, honestFinal);
        vm.prank(providers[1]);
        arb.commitFinal(id, 0, 1, liarFinal);
        uint256 k = 100 + c; // the disputed instruction moves with the case
        _dissectWitness(id, k, ProgramState.stateHash(pre), post, liarFinal);
        (Arbitration.Match memory fin,) = arb.getMatch(id, 0, 1);
        assertEq(fin.lo, k, "disputed instruction found");
        assertEq(fin.start, ProgramState.stateHash(pre), "agreed pre-state");
        bytes memory proof = vm.parseJsonBytes(json, string.concat(at, ".proof"));
        g = gasleft();
        arb.proveStep(id, 0, 1, pre, proof);
        g -= gasleft();
        (fin,) = arb.getMatch(id, 0, 1);
        assertTrue(!fin.lostA && fin.lostB, vm.parseJsonString(json, string.concat(at, ".name")));
    }

    function _dissectWitness(uint256 id, uint256 k, bytes32 preHash, bytes32 post, bytes memory liarFinal) internal {
        while (true) {
            (Arbitration.Match memory m, uint256 width) = arb.getMatch(id, 0, 1);
            if (m.phase != Arbitration.Phase.Dissect) break;
            bytes32[15] memory ha;
            bytes32[15] memory hb;
            for (uint256 j = 1; j < 16; ++j) {
                uint256 i = m.lo + j * (width / 16);
                ha[j - 1] = _witnessTrace(i, k, preHash, post, honestFinal, true);
                hb[j - 1] = _witnessTrace(i, k, preHash, post, liarFinal, false);
            }
            vm.prank(providers[0]);
            arb.bisect(id, 0, 1, ha, hb);
            vm.prank(providers[1]);
            arb.bisect(id, 0, 1, hb, ha);
        }
    }

    // ------------------------------------------------------------------ move checks

    function test_commitFinalChecks() public {
        Player memory h = _honest(0);
        Player memory l = _liar(1, "hello mallory", 5);
        uint256 id = _openTwo(h, l);
        vm.startPrank(h.account);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.BadStateLength.selector, 328));
        arb.commitFinal(id, 0, 1, new bytes(328));
        bytes memory running = _state(7, uint8(StateCodec.RUNNING), 0, "hello verity");
        vm.expectRevert(Arbitration.NotHalted.selector);
        arb.commitFinal(id, 0, 1, running);
        vm.expectRevert(
            abi.encodeWithSelector(Arbitration.ResultMismatch.selector, _result(l.finalState), _result(honestFinal))
        );
        arb.commitFinal(id, 0, 1, l.finalState); // the opponent's final state does not match my claim
        bytes32[15] memory z;
        vm.expectRevert(
            abi.encodeWithSelector(Arbitration.WrongPhase.selector, Arbitration.Phase.Final, Arbitration.Phase.Dissect)
        );
        arb.bisect(id, 0, 1, z, z);
        vm.expectRevert(
            abi.encodeWithSelector(Arbitration.WrongPhase.selector, Arbitration.Phase.Final, Arbitration.Phase.Step)
        );
        arb.proveStep(id, 0, 1, honestFinal, "");
        arb.commitFinal(id, 0, 1, h.finalState);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.AlreadyMoved.selector, 0));
        arb.commitFinal(id, 0, 1, h.finalState);
        vm.stopPrank();
        vm.prank(address(0xD00D));
        vm.expectRevert(abi.encodeWithSelector(Arbitration.NotParticipant.selector, address(0xD00D)));
        arb.commitFinal(id, 0, 1, l.finalState);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.NoSuchDispute.selector, 99));
        arb.commitFinal(99, 0, 1, l.finalState);
    }

    function test_bisectChecksOpponentHashes() public {
        Player memory h = _honest(0);
        Player memory l = _liar(1, "hello mallory", 5);
        uint256 id = _openTwo(h, l);
        vm.prank(h.account);
        arb.commitFinal(id, 0, 1, h.finalState);
        vm.prank(l.account);
        arb.commitFinal(id, 0, 1, l.finalState);
        bytes32[15] memory ha = _points(h, honestFinal, 0, 256);
        bytes32[15] memory hb = _points(l, honestFinal, 0, 256);
        vm.prank(h.account);
        arb.bisect(id, 0, 1, ha, hb);
        bytes32[15] memory forged = ha;
        forged[3] = keccak256("forged");
        vm.prank(l.account);
        vm.expectRevert(Arbitration.OpponentHashesMismatch.selector);
        arb.bisect(id, 0, 1, hb, forged);
        vm.prank(h.account);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.AlreadyMoved.selector, 0));
        arb.bisect(id, 0, 1, ha, hb);
    }

    function test_proveStepChecks() public {
        Player memory h = _honest(0);
        Player memory l = _liar(1, "hello mallory", 5);
        uint256 id = _openTwo(h, l);
        _playToStep(id, 0, 1, h, l, honestFinal);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.BadStateLength.selector, 330));
        arb.proveStep(id, 0, 1, new bytes(330), "");
        bytes32 agreed = ProgramState.stateHash(honestFinal);
        vm.expectRevert(
            abi.encodeWithSelector(Arbitration.WrongPreState.selector, ProgramState.stateHash(l.finalState), agreed)
        );
        arb.proveStep(id, 0, 1, l.finalState, "");
        // The real verifier refuses a witness with bytes a halted step does not use.
        vm.expectRevert(abi.encodeWithSelector(RiscVStep.ProofLengthMismatch.selector, 0, 1));
        arb.proveStep(id, 0, 1, honestFinal, hex"00");
        arb.proveStep(id, 0, 1, honestFinal, "");
        vm.expectRevert(
            abi.encodeWithSelector(Arbitration.WrongPhase.selector, Arbitration.Phase.Done, Arbitration.Phase.Step)
        );
        arb.proveStep(id, 0, 1, honestFinal, "");
        vm.expectRevert(Arbitration.MatchOver.selector);
        arb.timeout(id, 0, 1);
    }

    /// The one real transition of a running machine that needs no memory proof: step == maxSteps halts with
    /// StepLimit. The side that claimed the machine went on running loses.
    function test_stepLimitTransition() public {
        bytes memory atLimit = _state(4095, uint8(StateCodec.RUNNING), 0, "");
        bytes memory limitHalt = _state(4095, uint8(StateCodec.STEP_LIMIT), 0, "");
        // Honest: halts with StepLimit at index 4095 -> final state is the StepLimit state.
        // Liar: claims an exit with output. Both agree up to 4095 (the running state at the limit).
        Player memory h = Player(providers[0], limitHalt, type(uint256).max);
        Player memory l = Player(providers[1], _final("hello mallory"), 4095);
        uint256 id = _openTwo(h, l);
        vm.prank(h.account);
        arb.commitFinal(id, 0, 1, h.finalState);
        vm.prank(l.account);
        arb.commitFinal(id, 0, 1, l.finalState);
        while (true) {
            (Arbitration.Match memory m, uint256 width) = arb.getMatch(id, 0, 1);
            if (m.phase != Arbitration.Phase.Dissect) break;
            bytes32[15] memory ha;
            bytes32[15] memory hb;
            for (uint256 j = 1; j < 16; ++j) {
                uint256 i = m.lo + j * (width / 16);
                // Both traces: the running state at the limit for every index <= 4095 (only 4095 is checked).
                ha[j - 1] = ProgramState.stateHash(atLimit);
                hb[j - 1] = ProgramState.stateHash(atLimit);
                i;
            }
            vm.prank(h.account);
            arb.bisect(id, 0, 1, ha, hb);
            vm.prank(l.account);
            arb.bisect(id, 0, 1, hb, ha);
        }
        (Arbitration.Match memory fin,) = arb.getMatch(id, 0, 1);
        assertEq(fin.lo, 4095, "last step");
        uint256 g = gasleft();
        arb.proveStep(id, 0, 1, atLimit, "");
        Log.gas("proveStep (StepLimit transition)", g - gasleft());
        (fin,) = arb.getMatch(id, 0, 1);
        assertTrue(!fin.lostA && fin.lostB, "StepLimit side wins");
    }

    // ------------------------------------------------------------------ clocks

    function test_timeoutBeforeFinalCommit() public {
        Player memory h = _honest(0);
        Player memory l = _liar(1, "hello mallory", 5);
        uint256 id = _openTwo(h, l);
        vm.prank(h.account);
        arb.commitFinal(id, 0, 1, h.finalState);
        vm.warp(block.timestamp + CLOCK);
        vm.expectRevert(Arbitration.NotTimedOut.selector);
        arb.timeout(id, 0, 1);
        vm.warp(block.timestamp + 1);
        vm.prank(l.account);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.ClockExpired.selector, 1));
        arb.commitFinal(id, 0, 1, l.finalState);
        arb.timeout(id, 0, 1); // anyone
        (Arbitration.Match memory m,) = arb.getMatch(id, 0, 1);
        assertTrue(!m.lostA && m.lostB, "the silent side loses");
        vm.prank(l.account);
        vm.expectRevert(
            abi.encodeWithSelector(Arbitration.WrongPhase.selector, Arbitration.Phase.Done, Arbitration.Phase.Final)
        );
        arb.commitFinal(id, 0, 1, l.finalState);
    }

    function test_clockAccumulatesAcrossRounds() public {
        Player memory h = _honest(0);
        Player memory l = _liar(1, "hello mallory", 5);
        uint256 id = _openTwo(h, l);
        vm.prank(h.account);
        arb.commitFinal(id, 0, 1, h.finalState);
        vm.warp(block.timestamp + CLOCK / 2);
        vm.prank(l.account);
        arb.commitFinal(id, 0, 1, l.finalState); // liar used half its budget
        vm.prank(h.account);
        arb.bisect(id, 0, 1, _points(h, honestFinal, 0, 256), _points(l, honestFinal, 0, 256));
        vm.warp(block.timestamp + CLOCK / 2 + 1);
        // The honest side moved this round: only the liar's clock ran, and it is now over budget.
        vm.prank(l.account);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.ClockExpired.selector, 1));
        arb.bisect(id, 0, 1, _points(l, honestFinal, 0, 256), _points(h, honestFinal, 0, 256));
        arb.timeout(id, 0, 1);
        (Arbitration.Match memory m,) = arb.getMatch(id, 0, 1);
        assertTrue(!m.lostA && m.lostB, "liar out of time");
        assertEq(m.usedB, CLOCK / 2, "liar's clock charged for round 0");
        assertEq(m.usedA, 0, "honest moved at once");
    }

    function test_bothSilentBothLose() public {
        Player memory h = _honest(0);
        Player memory l = _liar(1, "hello mallory", 5);
        uint256 id = _openTwo(h, l);
        vm.warp(block.timestamp + CLOCK + 1);
        arb.timeout(id, 0, 1);
        (Arbitration.Match memory m,) = arb.getMatch(id, 0, 1);
        assertTrue(m.lostA && m.lostB, "both out of time");
        arb.settle(id);
        assertEq(service.stakeOf(h.account), 0, "silent provider slashed");
    }

    function test_settleWaitsForMatches() public {
        Player memory h = _honest(0);
        Player memory l = _liar(1, "hello mallory", 5);
        uint256 id = _openTwo(h, l);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.MatchesOpen.selector, 1));
        arb.settle(id);
    }

    // ------------------------------------------------------------------ challenges and payouts

    function _challengeSetup(ReentrantChallenger c, bool challengerRight) internal returns (uint256 id) {
        vm.deal(address(c), 10 ether);
        bytes memory providerFinal = challengerRight ? _final("hello mallory") : honestFinal;
        bytes memory challengerFinal = challengerRight ? honestFinal : _final("hello mallory");
        Arbitration.SignedResponse memory r = _response(0, _result(providerFinal));
        id = c.challenge{value: BOND}(IVerityService(address(service)), req, input, r, _result(challengerFinal));
        Player memory p = Player(providers[0], providerFinal, challengerRight ? 40 : type(uint256).max);
        Player memory q = Player(address(c), challengerFinal, challengerRight ? type(uint256).max : 40);
        vm.prank(p.account);
        arb.commitFinal(id, 0, 1, p.finalState);
        c.commitFinal(id, q.finalState);
        while (true) {
            (Arbitration.Match memory m, uint256 width) = arb.getMatch(id, 0, 1);
            if (m.phase != Arbitration.Phase.Dissect) break;
            bytes32[15] memory hp = _points(p, honestFinal, m.lo, width / 16);
            bytes32[15] memory hq = _points(q, honestFinal, m.lo, width / 16);
            vm.prank(p.account);
            arb.bisect(id, 0, 1, hp, hq);
            c.bisect(id, hq, hp);
        }
        arb.proveStep(id, 0, 1, honestFinal, "");
    }

    function test_challengerWinsAndReentryIsBlocked() public {
        ReentrantChallenger c = new ReentrantChallenger(arb);
        uint256 id = _challengeSetup(c, true);
        arb.settle(id);
        uint256 due = BOND + STAKE * WINNERS_BPS / 10_000;
        assertEq(arb.balanceOf(address(c)), due, "bond back plus winners' share");
        assertEq(service.stakeOf(providers[0]), 0, "provider slashed");
        c.withdraw();
        assertEq(c.received(), due, "paid once");
        assertTrue(c.reentryBlocked(), "nested withdraw hit the reentrancy guard");
        assertEq(arb.balanceOf(address(c)), 0, "balance cleared");
    }

    function test_challengerLosesBond() public {
        ReentrantChallenger c = new ReentrantChallenger(arb);
        uint256 id = _challengeSetup(c, false);
        arb.settle(id);
        uint256 pot = BOND;
        assertEq(arb.balanceOf(address(c)), 0, "bond forfeited");
        assertEq(arb.balanceOf(providers[0]), pot * WINNERS_BPS / 10_000, "provider gets the winners' share");
        assertEq(service.stakeOf(providers[0]), STAKE, "provider keeps stake");
        assertEq(service.locksOf(providers[0]), 0, "unlocked");
    }

    function test_hostileServiceCannotBlockSettlement() public {
        HostileService hs = new HostileService(address(arb), programHash);
        Player memory h = _honest(0);
        Player memory l = _liar(1, "hello mallory", 5);
        Arbitration.SignedResponse[] memory rs = new Arbitration.SignedResponse[](2);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[0], arb.responseDigest(address(hs), req, _result(honestFinal)));
        rs[0] = Arbitration.SignedResponse(_result(honestFinal), abi.encodePacked(r, s, v));
        (v, r, s) = vm.sign(keys[1], arb.responseDigest(address(hs), req, _result(l.finalState)));
        rs[1] = Arbitration.SignedResponse(_result(l.finalState), abi.encodePacked(r, s, v));
        uint256 id = arb.open(IVerityService(address(hs)), req, input, rs);
        _play(id, 0, 1, h, l, honestFinal);
        arb.settle(id);
        Arbitration.Dispute memory d = arb.getDispute(id);
        assertTrue(d.settled, "settled despite the service");
        assertEq(arb.balanceOf(h.account), 0, "nothing arrived, nothing credited");
        assertEq(arb.verifiedResult(address(hs), req.requestHash), _result(honestFinal), "result still recorded");
    }

    function test_refusingReceiverDoesNotBlockSettlement() public {
        ReentrantChallenger c = new ReentrantChallenger(arb);
        uint256 id = _challengeSetup(c, true);
        c.setRefuse(true);
        arb.settle(id); // credits only: nothing is sent during settlement
        assertEq(arb.balanceOf(requester), STAKE * REQUESTER_BPS / 10_000, "requester credited");
        vm.expectRevert(Arbitration.WithdrawFailed.selector);
        c.withdraw();
        assertTrue(arb.balanceOf(address(c)) > 0, "balance kept for a later withdrawal");
        c.setRefuse(false);
        c.withdraw();
        assertEq(arb.balanceOf(address(c)), 0, "withdrawn later");
    }
}
