// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ServiceFixture} from "./ServiceFixture.sol";
import {VerityService} from "../../src/service/VerityService.sol";
import {EchoService} from "../../src/service/examples/EchoService.sol";
import {KeccakService} from "../../src/service/examples/KeccakService.sol";
import {MatmulService} from "../../src/service/examples/MatmulService.sol";
import {NumericService} from "../../src/service/examples/NumericService.sol";
import {OracleService} from "../../src/service/examples/OracleService.sol";

/// @notice A requester whose refund hook tries to cancel (and be refunded) again.
contract ReentrantRequester {
    EchoService internal immutable service;
    bytes32 public requestId;
    bytes public reentryError;
    uint256 public received;

    constructor(EchoService service_) {
        service = service_;
    }

    function call(bytes calldata data) external payable {
        service.echo{value: msg.value}(data);
        requestId = service.requestIdOf(service.requestCount() - 1);
    }

    function cancel() external {
        service.cancelRequest(requestId);
    }

    receive() external payable {
        received += msg.value;
        try service.cancelRequest(requestId) {}
        catch (bytes memory err) {
            reentryError = err;
        }
    }
}

contract OnchainRequestTest is ServiceFixture {
    bytes4 internal constant ECHO = EchoService.echo.selector;
    address internal requester = address(0xCA11E5);

    function setUp() public override {
        super.setUp();
        _register(provider, MIN_STAKE);
        vm.deal(requester, 10 ether);
    }

    function _call(bytes memory data, uint256 value) internal returns (bytes32 requestId) {
        requestId = service.requestIdOf(service.requestCount());
        _echo(data, value);
    }

    /// @dev The bare method call (no other external call first, so vm.expectRevert applies to it).
    function _echo(bytes memory data, uint256 value) internal {
        vm.prank(requester);
        service.echo{value: value}(data);
    }

    function _sign(uint256 key, bytes32 requestId, uint8 status, uint32 exitCode, bytes memory output)
        internal
        view
        returns (bytes memory)
    {
        VerityService.OnchainRequest memory r = service.requestInfo(requestId);
        bytes32 result = service.resultHashOf(status, exitCode, output);
        bytes32 digest = service.responseDigest(requestId, r.requester, r.selector, r.programHash, r.inputHash, result);
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(rr, s, v);
    }

    function _requestState(bytes32 requestId) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                service.requestInfo(requestId),
                service.outputOf(requestId),
                service.requestCount(),
                address(service).balance,
                provider.balance,
                requester.balance
            )
        );
    }

    // ------------------------------------------------------------------ _request

    function testFuzz_request_emitsAndStores(bytes calldata data, uint256 extra) public {
        vm.assume(data.length <= MAX_INPUT - 100);
        uint256 value = ECHO_PRICE + bound(extra, 0, 1 ether);
        bytes memory input = abi.encodeCall(EchoService.echo, (data));
        bytes32 id = service.requestIdOf(0);
        assertEq(id, keccak256(abi.encode(block.chainid, address(service), uint256(0))), "request id rule");
        vm.expectEmit(true, true, false, true, address(service));
        emit VerityService.Request(id, requester, ECHO, echoProgram, input);
        _call(data, value);
        VerityService.OnchainRequest memory r = service.requestInfo(id);
        assertEq(r.requester, requester, "requester");
        assertEq(uint256(r.status), uint256(VerityService.RequestStatus.Pending), "status");
        assertEq(r.selector, ECHO, "selector");
        assertEq(r.programHash, echoProgram, "program");
        assertEq(r.inputHash, service.inputHashOf(input), "input hash");
        assertEq(r.payment, value, "payment");
        assertEq(r.deadline, block.timestamp + REQUEST_TIMEOUT, "deadline");
        assertEq(service.requestCount(), 1, "count");
        assertEq(address(service).balance, MIN_STAKE + value, "held");
    }

    function test_request_revertsForUnknownMethod() public {
        vm.prank(owner);
        service.removeMethod(ECHO);
        bytes32 before = _requestState(service.requestIdOf(0));
        vm.expectRevert(abi.encodeWithSelector(VerityService.UnknownMethod.selector, ECHO));
        _echo("hi", ECHO_PRICE);
        assertEq(_requestState(service.requestIdOf(0)), before, "state changed");
    }

    function testFuzz_request_revertsWhenUnderpaid(uint256 value) public {
        value = bound(value, 0, ECHO_PRICE - 1);
        bytes32 before = _requestState(service.requestIdOf(0));
        vm.expectRevert(abi.encodeWithSelector(VerityService.InsufficientValue.selector, ECHO_PRICE, value));
        _echo("hi", value);
        assertEq(_requestState(service.requestIdOf(0)), before, "state changed");
    }

    function test_request_revertsWhenInputTooLarge() public {
        bytes memory data = new bytes(MAX_INPUT);
        uint256 len = abi.encodeCall(EchoService.echo, (data)).length;
        bytes32 before = _requestState(service.requestIdOf(0));
        vm.expectRevert(abi.encodeWithSelector(VerityService.InputTooLarge.selector, len, MAX_INPUT));
        _echo(data, ECHO_PRICE);
        assertEq(_requestState(service.requestIdOf(0)), before, "state changed");
    }

    function test_exampleServices_recordTheirCalldata() public {
        KeccakService k = new KeccakService(owner, arbitration, address(registry), MIN_STAKE, UNBONDING, 1);
        MatmulService m = new MatmulService(owner, arbitration, address(registry), MIN_STAKE, UNBONDING, 1);
        vm.startPrank(owner);
        k.setMethod(KeccakService.hash.selector, echoProgram, 0);
        m.setMethod(MatmulService.multiply.selector, echoProgram, 0);
        vm.stopPrank();
        bytes memory kin = abi.encodeCall(KeccakService.hash, (bytes("abc")));
        vm.expectEmit(true, true, false, true, address(k));
        emit VerityService.Request(k.requestIdOf(0), address(this), KeccakService.hash.selector, echoProgram, kin);
        assertEq(k.hash(bytes("abc")), bytes32(0), "on-chain return is empty");
        int32[] memory a = new int32[](4);
        a[0] = -1;
        a[3] = 7;
        bytes memory min = abi.encodeCall(MatmulService.multiply, (2, a, a));
        vm.expectEmit(true, true, false, true, address(m));
        emit VerityService.Request(m.requestIdOf(0), address(this), MatmulService.multiply.selector, echoProgram, min);
        assertEq(m.multiply(2, a, a).length, 0, "on-chain return is empty");
        assertEq(m.requestInfo(m.requestIdOf(0)).inputHash, m.inputHashOf(min), "input hash");
    }

    function test_exampleSelectorsMatchProgramManifests() public pure {
        // The method signatures of programs/examples/*/program.json.
        assertTrue(EchoService.echo.selector == bytes4(keccak256("echo(bytes)")), "echo");
        assertTrue(KeccakService.hash.selector == bytes4(keccak256("hash(bytes)")), "hash");
        assertTrue(MatmulService.multiply.selector == bytes4(keccak256("multiply(uint32,int32[],int32[])")), "mul");
        assertTrue(NumericService.infer.selector == bytes4(0xee9d6d65), "infer (numeric.c SELECTOR_INFER)");
        assertTrue(OracleService.read.selector == bytes4(keccak256("read(bytes32,uint32,uint32)")), "read");
    }

    function test_numericAndOracle_recordTheirCalldata() public {
        NumericService nsvc = new NumericService(owner, arbitration, address(registry), MIN_STAKE, UNBONDING, 1);
        OracleService osvc = new OracleService(owner, arbitration, address(registry), MIN_STAKE, UNBONDING, 1);
        vm.startPrank(owner);
        nsvc.setMethod(NumericService.infer.selector, echoProgram, 0);
        osvc.setMethod(OracleService.read.selector, echoProgram, 0);
        vm.stopPrank();
        int32[] memory x = new int32[](16);
        x[5] = -65536;
        bytes memory nin = abi.encodeCall(NumericService.infer, (x));
        vm.expectEmit(true, true, false, true, address(nsvc));
        emit VerityService.Request(nsvc.requestIdOf(0), address(this), NumericService.infer.selector, echoProgram, nin);
        assertEq(nsvc.infer(x).length, 0, "on-chain return is empty");
        bytes memory oin = abi.encodeCall(OracleService.read, (bytes32(uint256(1)), 3, 5));
        vm.expectEmit(true, true, false, true, address(osvc));
        emit VerityService.Request(osvc.requestIdOf(0), address(this), OracleService.read.selector, echoProgram, oin);
        assertEq(osvc.read(bytes32(uint256(1)), 3, 5).length, 0, "on-chain return is empty");
    }

    // ------------------------------------------------------------------ postResponse

    function testFuzz_postResponse_paysAndStores(bytes calldata data, address poster) public {
        vm.assume(data.length <= 1000);
        bytes32 id = _call(data, ECHO_PRICE);
        bytes memory output = abi.encode(data);
        bytes memory sig = _sign(PROVIDER_KEY, id, 1, 0, output);
        bytes32 result = service.resultHashOf(1, 0, output);
        uint256 before = provider.balance;
        vm.expectEmit(true, true, false, true, address(service));
        emit VerityService.ResponsePosted(id, provider, result, 1, 0, output, ECHO_PRICE);
        vm.prank(poster);
        service.postResponse(id, 1, 0, output, sig);
        assertEq(provider.balance, before + ECHO_PRICE, "provider paid");
        VerityService.OnchainRequest memory r = service.requestInfo(id);
        assertEq(uint256(r.status), uint256(VerityService.RequestStatus.Answered), "answered");
        assertEq(r.provider, provider, "provider");
        assertEq(r.resultHash, result, "result");
        assertEq(service.outputOf(id), output, "output");
        assertEq(address(service).balance, MIN_STAKE, "only stake left");
    }

    function test_postResponse_acceptsErrorHalt() public {
        bytes32 id = _call("x", ECHO_PRICE);
        bytes memory sig = _sign(PROVIDER_KEY, id, 5, 0, "");
        service.postResponse(id, 5, 0, "", sig);
        assertEq(service.requestInfo(id).resultHash, keccak256(abi.encodePacked(uint8(5), uint32(0), bytes32(0))), "rh");
    }

    function test_postResponse_revertsWhenNotPending() public {
        bytes32 unknown = keccak256("nope");
        bytes memory sig = _sign(PROVIDER_KEY, unknown, 1, 0, "");
        vm.expectRevert(abi.encodeWithSelector(VerityService.RequestNotPending.selector, unknown));
        service.postResponse(unknown, 1, 0, "", sig);
        bytes32 id = _call("x", ECHO_PRICE);
        sig = _sign(PROVIDER_KEY, id, 1, 0, "out");
        service.postResponse(id, 1, 0, "out", sig);
        bytes32 before = _requestState(id);
        vm.expectRevert(abi.encodeWithSelector(VerityService.RequestNotPending.selector, id));
        service.postResponse(id, 1, 0, "out", sig);
        assertEq(_requestState(id), before, "state changed");
    }

    function test_postResponse_revertsOnInvalidResult() public {
        bytes32 id = _call("x", ECHO_PRICE);
        bytes32 before = _requestState(id);
        bytes memory sig = _sign(PROVIDER_KEY, id, 0, 0, "");
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidResult.selector, 0));
        service.postResponse(id, 0, 0, "", sig);
        sig = _sign(PROVIDER_KEY, id, 10, 0, "");
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidResult.selector, 10));
        service.postResponse(id, 10, 0, "", sig);
        sig = _sign(PROVIDER_KEY, id, 4, 0, "junk");
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidResult.selector, 4));
        service.postResponse(id, 4, 0, "junk", sig);
        sig = _sign(PROVIDER_KEY, id, 4, 3, "");
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidResult.selector, 4));
        service.postResponse(id, 4, 3, "", sig);
        assertEq(_requestState(id), before, "state changed");
    }

    function test_postResponse_revertsWhenOutputTooLarge() public {
        bytes32 id = _call("x", ECHO_PRICE);
        bytes memory output = new bytes(MAX_OUTPUT + 1);
        bytes memory sig = _sign(PROVIDER_KEY, id, 1, 0, output);
        bytes32 before = _requestState(id);
        vm.expectRevert(abi.encodeWithSelector(VerityService.OutputTooLarge.selector, MAX_OUTPUT + 1, MAX_OUTPUT));
        service.postResponse(id, 1, 0, output, sig);
        assertEq(_requestState(id), before, "state changed");
    }

    function test_postResponse_revertsOnBadSignatures() public {
        bytes32 id = _call("x", ECHO_PRICE);
        bytes32 before = _requestState(id);
        // Not a provider.
        uint256 strangerKey = 0x5778;
        bytes memory sig = _sign(strangerKey, id, 1, 0, "out");
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidResponseSignature.selector, vm.addr(strangerKey)));
        service.postResponse(id, 1, 0, "out", sig);
        // Signed another output: recovers to some other address.
        sig = _sign(PROVIDER_KEY, id, 1, 0, "other");
        vm.expectRevert();
        service.postResponse(id, 1, 0, "out", sig);
        // Malformed: wrong length, bad v, high s.
        sig = _sign(PROVIDER_KEY, id, 1, 0, "out");
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidResponseSignature.selector, address(0)));
        service.postResponse(id, 1, 0, "out", bytes.concat(sig, hex"00"));
        bytes memory badV = bytes.concat(sig);
        badV[64] = bytes1(uint8(29));
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidResponseSignature.selector, address(0)));
        service.postResponse(id, 1, 0, "out", badV);
        (bytes32 r, bytes32 s, uint8 v) = _split(sig);
        uint256 n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
        bytes memory highS = abi.encodePacked(r, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidResponseSignature.selector, address(0)));
        service.postResponse(id, 1, 0, "out", highS);
        assertEq(_requestState(id), before, "state changed");
    }

    function test_postResponse_revertsForExitingProvider() public {
        bytes32 id = _call("x", ECHO_PRICE);
        vm.prank(provider);
        service.requestExit();
        bytes memory sig = _sign(PROVIDER_KEY, id, 1, 0, "out");
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidResponseSignature.selector, provider));
        service.postResponse(id, 1, 0, "out", sig);
    }

    function _split(bytes memory sig) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
            v := byte(0, mload(add(sig, 96)))
        }
    }

    // ------------------------------------------------------------------ cancelRequest

    function test_cancelRequest_refundsAfterDeadline() public {
        bytes32 id = _call("x", ECHO_PRICE);
        bytes32 before = _requestState(id);
        vm.expectRevert(abi.encodeWithSelector(VerityService.NotRequester.selector, address(this)));
        service.cancelRequest(id);
        uint64 deadline = service.requestInfo(id).deadline;
        vm.expectRevert(abi.encodeWithSelector(VerityService.RequestNotExpired.selector, id, deadline));
        vm.prank(requester);
        service.cancelRequest(id);
        assertEq(_requestState(id), before, "state changed");
        vm.warp(uint256(deadline) + 1);
        uint256 balanceBefore = requester.balance;
        vm.expectEmit(true, false, false, true, address(service));
        emit VerityService.RequestCancelled(id, ECHO_PRICE);
        vm.prank(requester);
        service.cancelRequest(id);
        assertEq(requester.balance, balanceBefore + ECHO_PRICE, "refunded");
        vm.expectRevert(abi.encodeWithSelector(VerityService.RequestNotPending.selector, id));
        vm.prank(requester);
        service.cancelRequest(id);
        bytes memory sig = _sign(PROVIDER_KEY, id, 1, 0, "late");
        vm.expectRevert(abi.encodeWithSelector(VerityService.RequestNotPending.selector, id));
        service.postResponse(id, 1, 0, "late", sig);
    }

    function test_cancelRequest_reentrancyIsBlocked() public {
        ReentrantRequester evil = new ReentrantRequester(service);
        evil.call{value: 1 ether}("x");
        _call("y", ECHO_PRICE); // another request's payment the attacker would like to take
        vm.warp(block.timestamp + REQUEST_TIMEOUT + 1);
        evil.cancel();
        assertEq(evil.received(), 1 ether, "refunded once");
        assertEq(evil.reentryError(), abi.encodeWithSelector(VerityService.Reentrancy.selector), "reentrancy error");
        assertEq(address(service).balance, MIN_STAKE + ECHO_PRICE, "others untouched");
    }

    // ------------------------------------------------------------------ commitments against reference models

    /// @dev §1.7 as a stream: the provider's incremental computation, fed in arbitrary write sizes.
    function _streamedOutputHash(bytes memory out, uint256 seed) internal pure returns (bytes32) {
        bytes32 chain;
        bytes memory block_ = new bytes(32);
        uint256 fill;
        uint256 pos;
        while (pos < out.length) {
            seed = uint256(keccak256(abi.encode(seed)));
            uint256 n = 1 + (seed % 40);
            if (pos + n > out.length) n = out.length - pos;
            for (uint256 i; i < n; ++i) {
                block_[fill++] = out[pos++];
                if (fill == 32) {
                    chain = keccak256(abi.encodePacked(chain, block_));
                    block_ = new bytes(32);
                    fill = 0;
                }
            }
        }
        return keccak256(abi.encodePacked(chain, block_, uint32(out.length)));
    }

    /// @dev §1.6 by recursion over the padded leaf range.
    function _refRoot(bytes memory b, uint256 first, uint256 count) internal pure returns (bytes32) {
        if (count == 1) {
            bytes32 w;
            for (uint256 i; i < 32; ++i) {
                uint256 at = first * 32 + i;
                if (at < b.length) w |= bytes32(uint256(uint8(b[at])) << (8 * (31 - i)));
            }
            return w;
        }
        uint256 half = count / 2;
        return keccak256(abi.encodePacked(_refRoot(b, first, half), _refRoot(b, first + half, half)));
    }

    function testFuzz_outputHash_matchesStreamedModel(bytes calldata out, uint256 seed) public view {
        assertEq(service.outputHashOf(out), _streamedOutputHash(out, seed), "output hash");
    }

    function testFuzz_inputHash_matchesRecursiveModel(bytes calldata input) public view {
        uint256 chunks = input.length == 0 ? 1 : (input.length + 31) / 32;
        uint256 leaves = 1;
        while (leaves < chunks) leaves *= 2;
        bytes32 expected = keccak256(abi.encodePacked(_refRoot(input, 0, leaves), uint32(input.length)));
        assertEq(service.inputHashOf(input), expected, "input hash");
    }

    function test_inputHash_ofEmpty() public view {
        assertEq(service.inputHashOf(""), keccak256(abi.encodePacked(bytes32(0), uint32(0))), "empty");
    }
}
