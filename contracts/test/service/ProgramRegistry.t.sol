// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {ProgramRegistry} from "../../src/ProgramRegistry.sol";
import {IProgramRegistry} from "../../src/interfaces/IProgramRegistry.sol";

contract ProgramRegistryTest is Test {
    ProgramRegistry internal registry;

    function setUp() public {
        registry = new ProgramRegistry();
    }

    function testFuzz_register_storesAndHashes(
        bytes32 elfHash,
        bytes32 wasmHash,
        bytes32 memRoot,
        uint32 entry,
        uint64 maxSteps,
        uint32 memLimit,
        uint32 maxInput,
        uint32 maxOutput
    ) public {
        maxSteps = uint64(bound(maxSteps, 1, type(uint64).max));
        memLimit = uint32(bound(memLimit, 4, type(uint32).max));
        entry = uint32(bound(entry, 0, memLimit - 4));
        bytes32 expected =
            keccak256(abi.encode(elfHash, wasmHash, memRoot, entry, maxSteps, memLimit, maxInput, maxOutput));
        vm.expectEmit(true, true, false, true, address(registry));
        emit IProgramRegistry.ProgramRegistered(
            expected, address(this), elfHash, wasmHash, memRoot, entry, maxSteps, memLimit, maxInput, maxOutput
        );
        bytes32 h = registry.register(elfHash, wasmHash, memRoot, entry, maxSteps, memLimit, maxInput, maxOutput);
        assertEq(h, expected, "program hash");
        assertEq(
            registry.computeProgramHash(elfHash, wasmHash, memRoot, entry, maxSteps, memLimit, maxInput, maxOutput),
            expected,
            "computeProgramHash"
        );
        IProgramRegistry.ProgramInfo memory p = registry.program(h);
        assertTrue(p.registered && registry.isRegistered(h), "registered");
        assertEq(p.elfHash, elfHash, "elf");
        assertEq(p.wasmHash, wasmHash, "wasm");
        assertEq(p.memRoot, memRoot, "root");
        assertEq(p.entry, entry, "entry");
        assertEq(p.maxSteps, maxSteps, "steps");
        assertEq(p.memLimit, memLimit, "mem");
        assertEq(p.maxInput, maxInput, "in");
        assertEq(p.maxOutput, maxOutput, "out");
    }

    function test_program_ofUnknownIsZero() public view {
        IProgramRegistry.ProgramInfo memory p = registry.program(keccak256("unknown"));
        assertTrue(!p.registered && !registry.isRegistered(keccak256("unknown")), "unknown");
        assertEq(p.memRoot, bytes32(0), "zero");
        assertEq(p.maxSteps, 0, "zero");
    }

    function test_register_revertsWhenAlreadyRegistered() public {
        bytes32 h = registry.register(bytes32(uint256(1)), bytes32(uint256(2)), bytes32(uint256(3)), 0, 10, 64, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(ProgramRegistry.ProgramAlreadyRegistered.selector, h));
        registry.register(bytes32(uint256(1)), bytes32(uint256(2)), bytes32(uint256(3)), 0, 10, 64, 1, 1);
        assertTrue(registry.isRegistered(h), "still registered");
    }

    function testFuzz_register_revertsOnUnusableManifest(uint32 entry, uint32 memLimit) public {
        vm.expectRevert(abi.encodeWithSelector(ProgramRegistry.InvalidManifest.selector, "maxSteps must be > 0"));
        registry.register(0, 0, 0, 0, 0, 64, 1, 1);
        vm.assume(uint256(entry) + 4 > memLimit);
        vm.expectRevert(
            abi.encodeWithSelector(ProgramRegistry.InvalidManifest.selector, "entry + 4 must be <= memLimit")
        );
        registry.register(0, 0, 0, entry, 1, memLimit, 1, 1);
        assertTrue(!registry.isRegistered(registry.computeProgramHash(0, 0, 0, entry, 1, memLimit, 1, 1)), "registered");
    }
}
