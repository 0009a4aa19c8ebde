// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Arbitration} from "../../src/arbitration/Arbitration.sol";
import {IStepVerifier} from "../../src/arbitration/IStepVerifier.sol";
import {IProgramRegistry} from "../../src/interfaces/IProgramRegistry.sol";
import {IVerityService} from "../../src/interfaces/IVerityService.sol";
import {ProgramRegistry} from "../../src/ProgramRegistry.sol";
import {EchoService} from "../../src/service/examples/EchoService.sol";
import {ProgramState} from "../../src/vm/ProgramState.sol";
import {RiscVStep} from "../../src/vm/RiscVStep.sol";
import {StateCodec} from "../../src/vm/StateCodec.sol";
import {Test} from "../utils/Test.sol";

/// @dev forge prints calls to this address as console logs (used for the gas figures of the draft).
library Log {
    address private constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    function gas(string memory what, uint256 amount) internal view {
        (bool ok,) = CONSOLE.staticcall(abi.encodeWithSignature("log(string,uint256)", what, amount));
        ok;
    }
}

/// @notice Deployment and helpers shared by the arbitration tests: the real ProgramRegistry, RiscVStep and an
///         EchoService with five staked providers; traces built from real halted state encodings.
abstract contract ArbitrationBase is Test {
    uint40 internal constant CLOCK = 1 days;
    uint256 internal constant BOND = 1 ether;
    uint256 internal constant STAKE = 10 ether;
    uint16 internal constant WINNERS_BPS = 5000;
    uint16 internal constant REQUESTER_BPS = 3000;

    ProgramRegistry internal registry;
    RiscVStep internal stepper;
    Arbitration internal arb;
    EchoService internal service;
    address internal treasury = address(0x7EA5);
    address internal requester = address(0xBEEF);

    // The program: memRoot/entry are arbitrary (the tests never execute a real instruction, only halted and
    // step-limit transitions, which need no memory proof).
    bytes32 internal constant MEM_ROOT = keccak256("test memory root");
    uint32 internal constant ENTRY = 0x1000;
    uint32 internal constant MEM_LIMIT = 1 << 20;
    uint32 internal constant MAX_INPUT = 256;
    uint32 internal constant MAX_OUTPUT = 1024;
    uint64 internal maxSteps;
    bytes32 internal programHash;

    uint256[] internal keys;
    address[] internal providers;

    bytes internal input;
    Arbitration.RequestInfo internal req;

    function _deploy(uint64 maxSteps_) internal {
        maxSteps = maxSteps_;
        registry = new ProgramRegistry();
        stepper = new RiscVStep();
        arb = new Arbitration(
            IProgramRegistry(address(registry)),
            IStepVerifier(address(stepper)),
            CLOCK,
            BOND,
            WINNERS_BPS,
            REQUESTER_BPS,
            treasury
        );
        service = new EchoService(address(this), address(arb), address(registry), 1 ether, 30 days, 1 days);
        programHash = registry.register(
            keccak256("elf"), keccak256("wasm"), MEM_ROOT, ENTRY, maxSteps_, MEM_LIMIT, MAX_INPUT, MAX_OUTPUT
        );
        service.setMethod(EchoService.echo.selector, programHash, 0);
        for (uint256 i = 1; i <= 6; ++i) {
            uint256 key = uint256(keccak256(abi.encode("provider", i)));
            keys.push(key);
            address p = vm.addr(key);
            providers.push(p);
            vm.deal(p, 100 ether);
            // The sixth key never registers: an outsider who can sign but has no stake.
            if (i <= 5) {
                vm.prank(p);
                service.register{value: STAKE}("https://provider.example");
            }
        }
        input = abi.encodeCall(EchoService.echo, (bytes("hello verity")));
        req = Arbitration.RequestInfo({
            requestHash: keccak256("signed off-chain tx"),
            requester: requester,
            selector: EchoService.echo.selector,
            programHash: programHash,
            inputHash: ProgramState.inputHash(input)
        });
        vm.warp(1_000_000);
    }

    // ------------------------------------------------------------------ signing

    function _sign(uint256 key, Arbitration.RequestInfo memory r, bytes32 result) internal view returns (bytes memory) {
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(key, arb.responseDigest(address(service), r, result));
        return abi.encodePacked(rr, s, v);
    }

    function _response(uint256 who, bytes32 result) internal view returns (Arbitration.SignedResponse memory) {
        return Arbitration.SignedResponse(result, _sign(keys[who], req, result));
    }

    function _open(Arbitration.SignedResponse[] memory rs) internal returns (uint256) {
        return arb.open(IVerityService(address(service)), req, input, rs);
    }

    function _pair(uint256 p, bytes32 rp, uint256 q, bytes32 rq)
        internal
        view
        returns (Arbitration.SignedResponse[] memory rs)
    {
        rs = new Arbitration.SignedResponse[](2);
        rs[0] = _response(p, rp);
        rs[1] = _response(q, rq);
    }

    // ------------------------------------------------------------------ states and traces

    /// @dev A state of this program's run with the given output/status fields; the rest as in the initial state.
    function _state(uint64 step, uint8 status, uint32 exitCode, bytes memory output)
        internal
        view
        returns (bytes memory st)
    {
        st = ProgramState.initialState(
            MEM_ROOT, ENTRY, maxSteps, MEM_LIMIT, MAX_OUTPUT, ProgramState.chunkRoot(input), uint32(input.length)
        );
        uint256 s;
        assembly ("memory-safe") {
            s := add(st, 32)
        }
        // Output commitment of §1.7 for an output shorter than one block: no completed block, the tail holds it.
        if (output.length >= 32) revert AssertionFailed("test outputs are shorter than one block");
        bytes32 tail;
        assembly ("memory-safe") {
            tail := mload(add(output, 32))
        }
        tail &= bytes32(type(uint256).max << (8 * (32 - output.length)));
        if (output.length == 0) tail = 0;
        StateCodec.setWord(s, StateCodec.OUTPUT_TAIL, tail);
        StateCodec.set(s, StateCodec.OUTPUT_LENGTH, 4, output.length);
        StateCodec.set(s, StateCodec.STEP, 8, step);
        StateCodec.set(s, StateCodec.STATUS, 1, status);
        StateCodec.set(s, StateCodec.EXIT_CODE, 4, exitCode);
        StateCodec.set(s, StateCodec.INPUT_CURSOR, 4, input.length);
    }

    /// @dev Final state of an exited run that wrote `output`.
    function _final(bytes memory output) internal view returns (bytes memory) {
        return _state(7, uint8(StateCodec.EXITED), 0, output);
    }

    function _result(bytes memory finalState) internal pure returns (bytes32 r) {
        (, r) = ProgramState.resultOf(finalState);
    }

    function _initialHash() internal view returns (bytes32) {
        return ProgramState.initialStateHash(
            MEM_ROOT, ENTRY, maxSteps, MEM_LIMIT, MAX_OUTPUT, ProgramState.chunkRoot(input), uint32(input.length)
        );
    }

    /// @dev A player's trace: the honest run halts with `honestFinal` right after step 0 (the states in between are
    ///      not checked by the game unless disputed); a liar agrees with it up to index `diverge` and then claims
    ///      its own final state. The honest player has diverge = type(uint256).max.
    struct Player {
        address account;
        bytes finalState;
        uint256 diverge;
    }

    function _hashAt(Player memory p, bytes memory honestFinal, uint256 i) internal view returns (bytes32) {
        if (i == 0) return _initialHash();
        if (i <= p.diverge) return ProgramState.stateHash(honestFinal);
        return ProgramState.stateHash(p.finalState);
    }

    function _points(Player memory p, bytes memory honestFinal, uint256 lo, uint256 sub)
        internal
        view
        returns (bytes32[15] memory hs)
    {
        for (uint256 j = 1; j < 16; ++j) {
            hs[j - 1] = _hashAt(p, honestFinal, lo + j * sub);
        }
    }

    /// @dev Plays match (a, b) until it reaches the step phase; both sides move honestly to their own trace.
    function _playToStep(uint256 id, uint256 a, uint256 b, Player memory pa, Player memory pb, bytes memory honestFinal)
        internal
    {
        vm.prank(pa.account);
        arb.commitFinal(id, a, b, pa.finalState);
        vm.prank(pb.account);
        arb.commitFinal(id, a, b, pb.finalState);
        while (true) {
            (Arbitration.Match memory m, uint256 width) = arb.getMatch(id, a, b);
            if (m.phase != Arbitration.Phase.Dissect) break;
            uint256 sub = width / 16;
            bytes32[15] memory ha = _points(pa, honestFinal, m.lo, sub);
            bytes32[15] memory hb = _points(pb, honestFinal, m.lo, sub);
            vm.prank(pa.account);
            arb.bisect(id, a, b, ha, hb);
            vm.prank(pb.account);
            arb.bisect(id, a, b, hb, ha);
        }
    }

    /// @dev Plays match (a, b) to the end: dissection, then the real one-step proof from the agreed pre-state
    ///      (a halted honest state, which steps to itself).
    function _play(uint256 id, uint256 a, uint256 b, Player memory pa, Player memory pb, bytes memory honestFinal)
        internal
    {
        _playToStep(id, a, b, pa, pb, honestFinal);
        arb.proveStep(id, a, b, honestFinal, "");
    }
}
