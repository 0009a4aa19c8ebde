// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Arbitration} from "../../src/arbitration/Arbitration.sol";
import {IStepVerifier} from "../../src/arbitration/IStepVerifier.sol";
import {IProgramRegistry} from "../../src/interfaces/IProgramRegistry.sol";
import {IVerityService} from "../../src/interfaces/IVerityService.sol";
import {EchoService} from "../../src/service/examples/EchoService.sol";
import {VerityService} from "../../src/service/VerityService.sol";
import {ProgramState} from "../../src/vm/ProgramState.sol";
import {ArbitrationBase, Log} from "./ArbitrationBase.sol";

/// @notice Opening disputes and challenges: every check of open() and challenge(), equivocation, locking.
contract ArbitrationOpenTest is ArbitrationBase {
    bytes32 internal constant R0 = keccak256("result 0");
    bytes32 internal constant R1 = keccak256("result 1");
    bytes32 internal constant R2 = keccak256("result 2");

    function setUp() public {
        _deploy(15);
    }

    function test_constructorRejectsBadShares() public {
        vm.expectRevert(Arbitration.BadParameters.selector);
        new Arbitration(
            IProgramRegistry(address(registry)), IStepVerifier(address(stepper)), CLOCK, BOND, 6000, 4001, treasury
        );
        vm.expectRevert(Arbitration.BadParameters.selector);
        new Arbitration(IProgramRegistry(address(registry)), IStepVerifier(address(stepper)), 0, BOND, 0, 0, treasury);
    }

    function test_traceRounds() public view {
        assertEq(arb.traceRounds(1), 1, "16 > 1");
        assertEq(arb.traceRounds(15), 1, "16 > 15");
        assertEq(arb.traceRounds(16), 2, "256 > 16");
        assertEq(arb.traceRounds(uint64(1) << 40), 11, "16^11 > 2^40");
        assertEq(arb.traceRounds((uint64(1) << 40) - 1), 10, "16^10 = 2^40 > 2^40 - 1");
        assertEq(arb.traceRounds(type(uint64).max), 16, "16^16 = 2^64");
    }

    function test_openRecordsParticipantsAndLocks() public {
        uint256 g = gasleft();
        uint256 id = _open(_pair(0, R0, 1, R1));
        Log.gas("open (2 responses)", g - gasleft());
        Arbitration.Dispute memory d = arb.getDispute(id);
        assertEq(address(d.service), address(service), "service");
        assertEq(d.requestHash, req.requestHash, "request hash");
        assertEq(d.requester, requester, "requester");
        assertEq(d.initialState, _initialHash(), "initial state computed on chain");
        assertEq(d.rounds, 1, "maxSteps 15 -> 16 steps -> 1 round");
        assertEq(d.openMatches, 1, "one match");
        Arbitration.Participant[] memory ps = arb.getParticipants(id);
        assertEq(ps.length, 2, "participants");
        assertEq(ps[0].account, providers[0], "p0");
        assertEq(ps[1].resultHash, R1, "p1 result");
        assertEq(service.locksOf(providers[0]), 1, "p0 locked");
        assertEq(service.locksOf(providers[1]), 1, "p1 locked");
        // A locked provider cannot leave before the dispute settles.
        vm.prank(providers[0]);
        service.requestExit();
        vm.warp(block.timestamp + 31 days);
        vm.prank(providers[0]);
        vm.expectRevert(abi.encodeWithSelector(VerityService.ProviderIsLocked.selector, providers[0], uint32(1)));
        service.withdraw();
    }

    function test_openFiveProvidersThreeResults() public {
        Arbitration.SignedResponse[] memory rs = new Arbitration.SignedResponse[](5);
        rs[0] = _response(0, R0);
        rs[1] = _response(1, R0);
        rs[2] = _response(2, R1);
        rs[3] = _response(3, R1);
        rs[4] = _response(4, R2);
        uint256 g = gasleft();
        uint256 id = _open(rs);
        Log.gas("open (5 responses, 3 results)", g - gasleft());
        // Pairs with different results: 2*2 + 2*1 + 2*1 = 8.
        assertEq(arb.getDispute(id).openMatches, 8, "matches");
        vm.expectRevert(abi.encodeWithSelector(Arbitration.NoSuchMatch.selector, id, 0, 1));
        arb.timeout(id, 0, 1); // same result: no match
        vm.expectRevert(abi.encodeWithSelector(Arbitration.NoSuchMatch.selector, id, 1, 0));
        arb.timeout(id, 1, 0); // a < b only
    }

    function test_openRejectsCounts() public {
        Arbitration.SignedResponse[] memory one = new Arbitration.SignedResponse[](1);
        one[0] = _response(0, R0);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.BadResponseCount.selector, 1));
        _open(one);
        Arbitration.SignedResponse[] memory many = new Arbitration.SignedResponse[](17);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.BadResponseCount.selector, 17));
        _open(many);
    }

    function test_openRejectsAgreement() public {
        Arbitration.SignedResponse[] memory rs = _pair(0, R0, 1, R0);
        vm.expectRevert(Arbitration.NoDisagreement.selector);
        _open(rs);
    }

    function test_openRejectsMalformedSignatures() public {
        Arbitration.SignedResponse[] memory rs = _pair(0, R0, 1, R1);
        rs[1].signature = abi.encodePacked(bytes32(uint256(1)), bytes32(uint256(2))); // 64 bytes
        vm.expectRevert(abi.encodeWithSelector(Arbitration.BadSignature.selector, 1));
        _open(rs);
        rs = _pair(0, R0, 1, R1);
        rs[0].signature[64] = bytes1(uint8(29)); // v out of range
        vm.expectRevert(abi.encodeWithSelector(Arbitration.BadSignature.selector, 0));
        _open(rs);
    }

    function test_openRejectsMalleableSignature() public {
        Arbitration.SignedResponse[] memory rs = _pair(0, R0, 1, R1);
        bytes memory sig = rs[1].signature;
        bytes32 r;
        bytes32 s;
        assembly ("memory-safe") {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
        }
        uint256 n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
        uint8 v = uint8(sig[64]) == 27 ? 28 : 27;
        rs[1].signature = abi.encodePacked(r, bytes32(n - uint256(s)), v); // same signer, high s
        vm.expectRevert(abi.encodeWithSelector(Arbitration.BadSignature.selector, 1));
        _open(rs);
    }

    /// Fuzz: any 65 bytes either fail to recover, or recover an address that is not a staked provider.
    function testFuzz_openRejectsForgedSignature(bytes32 r, bytes32 s, bool v28) public {
        Arbitration.SignedResponse[] memory rs = _pair(0, R0, 1, R1);
        rs[1].signature = abi.encodePacked(r, s, v28 ? uint8(28) : uint8(27));
        vm.expectRevert();
        _open(rs);
    }

    function test_openRejectsSignatureOverAnotherRequest() public {
        Arbitration.SignedResponse[] memory rs = _pair(0, R0, 1, R1);
        Arbitration.RequestInfo memory other = req;
        other.requestHash = keccak256("another tx");
        rs[1].signature = _sign(keys[1], other, R1);
        // The digest differs, so the recovered key is some unstaked address.
        vm.expectRevert(); // SignerNotSlashable(<random address>)
        _open(rs);
        // ... and the same holds for a signature by the right key over another result.
        rs[1] = Arbitration.SignedResponse(R1, _sign(keys[1], req, R2));
        vm.expectRevert();
        _open(rs);
    }

    function test_openRejectsUnregisteredSigner() public {
        Arbitration.SignedResponse[] memory rs = _pair(0, R0, 5, R1);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.SignerNotSlashable.selector, providers[5]));
        _open(rs);
    }

    function test_exitingSignerIsStillDisputable() public {
        vm.prank(providers[1]);
        service.requestExit();
        assertTrue(!service.isActiveProvider(providers[1]), "exiting is not active");
        uint256 id = _open(_pair(0, R0, 1, R1));
        assertEq(arb.getParticipants(id).length, 2, "exiting provider joined");
    }

    function test_openRejectsWithdrawnSigner() public {
        vm.prank(providers[1]);
        service.requestExit();
        vm.warp(block.timestamp + 31 days);
        vm.prank(providers[1]);
        service.withdraw();
        Arbitration.SignedResponse[] memory rs = _pair(0, R0, 1, R1);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.SignerNotSlashable.selector, providers[1]));
        _open(rs);
    }

    function test_openRejectsDuplicateSigner() public {
        Arbitration.SignedResponse[] memory rs = new Arbitration.SignedResponse[](3);
        rs[0] = _response(0, R0);
        rs[1] = _response(1, R1);
        rs[2] = _response(0, R0);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.DuplicateSigner.selector, providers[0]));
        _open(rs);
    }

    function test_equivocatorLosesWithoutPlaying() public {
        Arbitration.SignedResponse[] memory rs = new Arbitration.SignedResponse[](4);
        rs[0] = _response(0, R0);
        rs[1] = _response(0, R1); // provider 0 signs both results
        rs[2] = _response(1, R0);
        rs[3] = _response(2, R1);
        uint256 id = _open(rs);
        Arbitration.Participant[] memory ps = arb.getParticipants(id);
        assertEq(ps.length, 3, "equivocator listed once");
        assertTrue(ps[0].equivocator && ps[0].lost, "equivocator lost");
        assertEq(arb.getDispute(id).openMatches, 1, "only (1, 2) plays");
        vm.expectRevert(abi.encodeWithSelector(Arbitration.NoSuchMatch.selector, id, 0, 2));
        arb.timeout(id, 0, 2);
    }

    function test_equivocationAloneSettlesAtOnce() public {
        Arbitration.SignedResponse[] memory rs = new Arbitration.SignedResponse[](3);
        rs[0] = _response(0, R0);
        rs[1] = _response(0, R1);
        rs[2] = _response(1, R0);
        uint256 id = _open(rs);
        assertEq(arb.getDispute(id).openMatches, 0, "nothing to play");
        arb.settle(id);
        assertEq(service.stakeOf(providers[0]), 0, "equivocator slashed");
        uint256 winners = STAKE * WINNERS_BPS / 10_000;
        assertEq(arb.balanceOf(providers[1]), winners, "the other signer is rewarded");
        assertEq(arb.balanceOf(requester), STAKE * REQUESTER_BPS / 10_000, "requester");
        // No match was played, so nothing was verified.
        assertEq(arb.verifiedResult(address(service), req.requestHash), bytes32(0), "not verified");
        assertEq(service.locksOf(providers[1]), 0, "unlocked");
        // Settled: provider 1 may be disputed again about this request.
        _open(_pair(1, R0, 2, R1));
    }

    function test_oneOpenDisputePerProviderAndRequest() public {
        _open(_pair(0, R0, 1, R1));
        Arbitration.SignedResponse[] memory again = _pair(2, R1, 0, R0);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.AlreadyInDispute.selector, providers[0]));
        _open(again);
        Arbitration.SignedResponse memory r = _response(1, R1);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.AlreadyInDispute.selector, providers[1]));
        arb.challenge{value: BOND}(IVerityService(address(service)), req, input, r, R0);
        // Another request is another matter.
        req.requestHash = keccak256("another tx");
        _open(_pair(0, R0, 1, R1));
    }

    function test_openChecksService() public {
        EchoService foreign =
            new EchoService(address(this), address(0xA11CE), address(registry), 1 ether, 30 days, 1 days);
        Arbitration.SignedResponse[] memory rs = _pair(0, R0, 1, R1);
        vm.expectRevert(
            abi.encodeWithSelector(Arbitration.ServiceNotArbitrated.selector, address(foreign), address(0xA11CE))
        );
        arb.open(IVerityService(address(foreign)), req, input, rs);
    }

    function test_openChecksProgram() public {
        Arbitration.RequestInfo memory bad = req;
        bad.programHash = keccak256("other program");
        Arbitration.SignedResponse[] memory rs = _pair(0, R0, 1, R1);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.ProgramMismatch.selector, bad.programHash, programHash));
        arb.open(IVerityService(address(service)), bad, input, rs);
        // An unknown selector maps to program 0, which is not registered.
        bad = req;
        bad.selector = bytes4(0xdeadbeef);
        bad.programHash = 0;
        vm.expectRevert(abi.encodeWithSelector(Arbitration.ProgramNotRegistered.selector, bytes32(0)));
        arb.open(IVerityService(address(service)), bad, input, rs);
    }

    function test_openChecksInput() public {
        Arbitration.SignedResponse[] memory rs = _pair(0, R0, 1, R1);
        bytes memory other = abi.encodeCall(EchoService.echo, (bytes("hello verity!")));
        vm.expectRevert(
            abi.encodeWithSelector(Arbitration.InputMismatch.selector, ProgramState.inputHash(other), req.inputHash)
        );
        arb.open(IVerityService(address(service)), req, other, rs);
        bytes memory long = new bytes(MAX_INPUT + 1);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.InputTooLong.selector, MAX_INPUT + 1, MAX_INPUT));
        arb.open(IVerityService(address(service)), req, long, rs);
    }

    /// Fuzz: the on-chain input commitment accepts exactly the signed input of any length up to maxInput.
    function testFuzz_inputCommitment(bytes memory data, uint8 flip) public {
        vm.assume(data.length > 0 && data.length <= MAX_INPUT);
        input = data;
        req.inputHash = ProgramState.inputHash(data);
        uint256 id = _open(_pair(0, R0, 1, R1));
        assertEq(arb.getDispute(id).initialState, _initialHash(), "initial state");
        bytes memory tampered = bytes.concat(data);
        tampered[flip % data.length] ^= 0x01;
        Arbitration.SignedResponse[] memory rs = _pair(2, R0, 3, R1);
        vm.expectRevert();
        arb.open(IVerityService(address(service)), req, tampered, rs);
    }

    function test_challenge() public {
        address challenger = address(0xC4A1);
        vm.deal(challenger, 10 ether);
        Arbitration.SignedResponse memory r = _response(0, R0);
        vm.startPrank(challenger);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.BondTooLow.selector, BOND - 1, BOND));
        arb.challenge{value: BOND - 1}(IVerityService(address(service)), req, input, r, R1);
        vm.expectRevert(Arbitration.NoDisagreement.selector);
        arb.challenge{value: BOND}(IVerityService(address(service)), req, input, r, R0);
        uint256 id = arb.challenge{value: BOND}(IVerityService(address(service)), req, input, r, R1);
        vm.stopPrank();
        Arbitration.Participant[] memory ps = arb.getParticipants(id);
        assertEq(ps.length, 2, "provider and challenger");
        assertEq(ps[1].account, challenger, "challenger");
        assertTrue(ps[1].isChallenger, "challenger flag");
        assertEq(arb.getDispute(id).bond, BOND, "bond held");
        assertEq(address(arb).balance, BOND, "bond in contract");
        assertEq(service.locksOf(providers[0]), 1, "provider locked");
        // A provider cannot challenge itself, nor can an unstaked signer be challenged.
        vm.prank(providers[0]);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.SelfChallenge.selector, providers[0]));
        arb.challenge{value: BOND}(IVerityService(address(service)), req, input, r, R1);
        Arbitration.SignedResponse memory outsider = _response(5, R0);
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(Arbitration.SignerNotSlashable.selector, providers[5]));
        arb.challenge{value: BOND}(IVerityService(address(service)), req, input, outsider, R1);
    }
}
