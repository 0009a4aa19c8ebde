// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ServiceFixture} from "./ServiceFixture.sol";
import {Arbitration} from "../../src/arbitration/Arbitration.sol";
import {IProgramRegistry} from "../../src/interfaces/IProgramRegistry.sol";
import {IStepVerifier} from "../../src/arbitration/IStepVerifier.sol";
import {RiscVStep} from "../../src/vm/RiscVStep.sol";
import {EchoService} from "../../src/service/examples/EchoService.sol";

/// @notice The response a provider signs for an on-chain request is the one the real Arbitration contract verifies.
contract ResponseDigestTest is ServiceFixture {
    Arbitration internal arb;
    EchoService internal arbitrated;

    function setUp() public override {
        super.setUp();
        arb = new Arbitration(
            IProgramRegistry(address(registry)),
            IStepVerifier(address(new RiscVStep())),
            1 days,
            0.1 ether,
            5000,
            2000,
            address(0x7EA5)
        );
        arbitrated = new EchoService(owner, address(arb), address(registry), MIN_STAKE, UNBONDING, REQUEST_TIMEOUT);
    }

    function testFuzz_responseDigest_equalsArbitrations(
        bytes32 requestHash,
        address requester,
        bytes4 selector,
        bytes32 programHash,
        bytes32 inputHash,
        bytes32 resultHash
    ) public view {
        Arbitration.RequestInfo memory req = Arbitration.RequestInfo({
            requestHash: requestHash,
            requester: requester,
            selector: selector,
            programHash: programHash,
            inputHash: inputHash
        });
        assertEq(
            arbitrated.responseDigest(requestHash, requester, selector, programHash, inputHash, resultHash),
            arb.responseDigest(address(arbitrated), req, resultHash),
            "digest"
        );
        assertEq(arbitrated.RESPONSE_TYPEHASH(), arb.RESPONSE_TYPEHASH(), "type hash");
    }
}
