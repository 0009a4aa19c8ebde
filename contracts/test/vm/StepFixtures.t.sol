// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {RiscVStep} from "../../src/vm/RiscVStep.sol";

/// @notice Replays step witnesses the TypeScript VM wrote (packages/vm/test/onchain-step.test.ts with STEP_FIXTURES=1;
///         one per instruction class, the one with the longest proof) and logs the execution gas of each.
contract StepFixturesTest is Test {
    event log_named_uint(string key, uint256 val);

    RiscVStep internal stepper;
    string internal json;

    function setUp() public {
        stepper = new RiscVStep();
        json = vm.readFile("test/fixtures/step/witnesses.json");
    }

    function test_replaysTypeScriptWitnesses() public {
        uint256 count = vm.parseJsonUint(json, ".count");
        assertTrue(count >= 80, "fixture has a witness per class");
        uint256 worst;
        for (uint256 i = 0; i < count; i++) {
            string memory at = string.concat(".cases[", vm.toString(i), "]");
            bytes memory pre = vm.parseJsonBytes(json, string.concat(at, ".pre"));
            bytes memory proof = vm.parseJsonBytes(json, string.concat(at, ".proof"));
            bytes32 post = vm.parseJsonBytes32(json, string.concat(at, ".post"));
            uint256 before = gasleft();
            bytes32 got = stepper.step(pre, proof);
            uint256 used = before - gasleft();
            assertEq(got, post, vm.parseJsonString(json, string.concat(at, ".name")));
            emit log_named_uint(vm.parseJsonString(json, string.concat(at, ".name")), used);
            if (used > worst) worst = used;
        }
        emit log_named_uint("worst execution gas of a step", worst);
        assertTrue(worst < 150_000, "every step under 150k gas");
    }

    function test_rejectsEveryFixtureWithAFlippedProofByte() public {
        uint256 count = vm.parseJsonUint(json, ".count");
        for (uint256 i = 0; i < count; i++) {
            string memory at = string.concat(".cases[", vm.toString(i), "]");
            bytes memory pre = vm.parseJsonBytes(json, string.concat(at, ".pre"));
            bytes memory proof = vm.parseJsonBytes(json, string.concat(at, ".proof"));
            if (proof.length == 0) continue;
            // Every byte of a witness is committed to: a flip anywhere must be rejected.
            uint256 pos = uint256(keccak256(abi.encode(i))) % proof.length;
            proof[pos] ^= 0x01;
            (bool ok,) = address(stepper).staticcall(abi.encodeCall(RiscVStep.step, (pre, proof)));
            assertTrue(!ok, vm.parseJsonString(json, string.concat(at, ".name")));
        }
    }
}
