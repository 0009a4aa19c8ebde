// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {ProgramState} from "../../src/vm/ProgramState.sol";
import {RiscVStep} from "../../src/vm/RiscVStep.sol";

/// @notice Exposes the ProgramState library so reverts can be observed.
contract ProgramStateHarness {
    function resultOf(bytes memory state) external pure returns (uint8, bytes32) {
        return ProgramState.resultOf(state);
    }
}

/// @notice ProgramState against commitments the TypeScript VM computed (test/fixtures/step/commitments.json).
contract ProgramStateTest is Test {
    string internal json;

    function setUp() public {
        json = vm.readFile("test/fixtures/step/commitments.json");
    }

    function test_chunkRootAndInputHash() public view {
        for (uint256 i = 0; i < 10; i++) {
            string memory at = string.concat(".inputs[", vm.toString(i), "]");
            bytes memory data = vm.parseJsonBytes(json, string.concat(at, ".data"));
            bytes32 root = ProgramState.chunkRoot(data);
            assertEq(root, vm.parseJsonBytes32(json, string.concat(at, ".chunkRoot")), "chunkRoot");
            assertEq(
                ProgramState.inputHash(data), vm.parseJsonBytes32(json, string.concat(at, ".inputHash")), "inputHash"
            );
            assertEq(
                ProgramState.inputHash(root, uint32(data.length)), ProgramState.inputHash(data), "inputHash of root"
            );
        }
    }

    function test_chunkRootDoesNotDisturbMemory() public pure {
        bytes memory data = hex"0102030405";
        bytes memory after_ = hex"aabbcc";
        ProgramState.chunkRoot(data);
        assertEq(data, hex"0102030405", "input unchanged");
        assertEq(after_, hex"aabbcc", "neighbour unchanged");
        bytes32 root = ProgramState.chunkRoot(new bytes(0));
        assertEq(root, bytes32(0), "empty input is one zero chunk");
    }

    function test_initialStateHash() public view {
        string memory at = ".initial";
        bytes32 h = ProgramState.initialStateHash(
            vm.parseJsonBytes32(json, string.concat(at, ".memRoot")),
            uint32(vm.parseJsonUint(json, string.concat(at, ".entry"))),
            uint64(vm.parseJsonUint(json, string.concat(at, ".maxSteps"))),
            uint32(vm.parseJsonUint(json, string.concat(at, ".memLimit"))),
            uint32(vm.parseJsonUint(json, string.concat(at, ".maxOutput"))),
            vm.parseJsonBytes32(json, string.concat(at, ".inputRoot")),
            uint32(vm.parseJsonUint(json, string.concat(at, ".inputLength")))
        );
        assertEq(h, vm.parseJsonBytes32(json, string.concat(at, ".stateHash")), "initial state hash");
    }

    function test_finalStateResult() public {
        bytes memory state = vm.parseJsonBytes(json, ".final.state");
        (uint8 status, bytes32 result) = ProgramState.resultOf(state);
        assertEq(status, vm.parseJsonUint(json, ".final.status"), "status");
        assertEq(result, vm.parseJsonBytes32(json, ".final.resultHash"), "result hash");
        assertEq(ProgramState.stateHash(state), vm.parseJsonBytes32(json, ".final.stateHash"), "state hash");
        assertEq(new RiscVStep().stateHash(state), vm.parseJsonBytes32(json, ".final.stateHash"), "RiscVStep.stateHash");
        assertEq(
            ProgramState.resultHash(
                status,
                uint32(vm.parseJsonUint(json, ".final.exitCode")),
                vm.parseJsonBytes32(json, ".final.outputHash")
            ),
            result,
            "resultHash from parts"
        );
        // An error halt carries no exit code and no output.
        assertEq(
            ProgramState.resultHash(4, 5, keccak256(new bytes(1))),
            vm.parseJsonBytes32(json, ".errorResult"),
            "error result"
        );
        ProgramStateHarness h = new ProgramStateHarness();
        vm.expectRevert(abi.encodeWithSelector(ProgramState.StateLengthInvalid.selector, 328));
        h.resultOf(new bytes(328));
    }

    function test_outputHash() public pure {
        bytes32 chain = keccak256("c");
        bytes32 tail = bytes32(hex"aabb");
        assertEq(
            ProgramState.outputHash(chain, tail, 34), keccak256(abi.encodePacked(chain, tail, uint32(34))), "outputHash"
        );
    }

    function testFuzz_chunkRootMatchesNaive(bytes memory data) public pure {
        assertEq(ProgramState.chunkRoot(data), naiveRoot(data), "chunk root");
    }

    /// @dev Straightforward chunk root: pad to a power of two of zero chunks and hash pairwise level by level.
    function naiveRoot(bytes memory data) internal pure returns (bytes32) {
        uint256 count = data.length == 0 ? 1 : (data.length + 31) / 32;
        uint256 width = 1;
        while (width < count) width *= 2;
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i = 0; i < count; i++) {
            bytes memory chunk = new bytes(32);
            for (uint256 j = 0; j < 32 && i * 32 + j < data.length; j++) {
                chunk[j] = data[i * 32 + j];
            }
            level[i] = bytes32(chunk);
        }
        while (width > 1) {
            width /= 2;
            for (uint256 i = 0; i < width; i++) {
                level[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
        }
        return level[0];
    }
}
