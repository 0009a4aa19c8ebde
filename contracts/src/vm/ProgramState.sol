// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StateCodec} from "./StateCodec.sol";

/// @title ProgramState
/// @notice The commitments a dispute game needs around a VM trace (docs/protocol.md §1.3, §1.6–§1.8): the input
///         commitment, the initial state hash of a run, and the output and result hashes of a final state.
library ProgramState {
    /// @notice Chunk root of `data` (§1.6): 32-byte zero-padded chunks as leaves of a keccak tree of the least depth
    ///         that holds them, missing leaves zero.
    /// @dev The tree is reduced in place in one memory buffer: level k+1 overwrites the first half of level k.
    function chunkRoot(bytes memory data) internal pure returns (bytes32 root) {
        assembly ("memory-safe") {
            let len := mload(data)
            let count := shr(5, add(len, 31))
            if iszero(count) { count := 1 }
            // Round up to a power of two so every level pairs up; the padding leaves are zero chunks.
            let width := 1
            for {} lt(width, count) {} { width := shl(1, width) }
            let buf := mload(0x40)
            mstore(0x40, add(buf, shl(5, width)))
            // Zero the whole buffer (copying from past the end of calldata yields zeros), then copy the data in:
            // the padding of the last chunk and the missing leaves stay zero.
            calldatacopy(buf, calldatasize(), shl(5, width))
            mcopy(buf, add(data, 32), len)
            for {} gt(width, 1) {} {
                let half := shr(1, width)
                for { let i := 0 } lt(i, half) { i := add(i, 1) } {
                    mstore(add(buf, shl(5, i)), keccak256(add(buf, shl(6, i)), 64))
                }
                width := half
            }
            root := mload(buf)
        }
    }

    /// @notice Input commitment `keccak(chunkRoot || u32(length))` (§1.6) from a chunk root and a length.
    function inputHash(bytes32 root, uint32 length) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(root, length));
    }

    /// @notice Input commitment of the input bytes themselves (§1.6).
    function inputHash(bytes memory data) internal pure returns (bytes32) {
        return inputHash(chunkRoot(data), uint32(data.length));
    }

    /// @notice The 329-byte encoding of the initial state of a run (§1.3): everything not given is zero.
    function initialState(
        bytes32 memRoot,
        uint32 entry,
        uint64 maxSteps,
        uint32 memLimit,
        uint32 maxOutput,
        bytes32 inputRoot,
        uint32 inputLength
    ) internal pure returns (bytes memory state) {
        state = new bytes(StateCodec.LENGTH);
        uint256 s;
        assembly ("memory-safe") {
            s := add(state, 32)
        }
        StateCodec.setWord(s, StateCodec.MEM_ROOT, memRoot);
        StateCodec.setWord(s, StateCodec.INPUT_ROOT, inputRoot);
        StateCodec.set(s, StateCodec.PC, 4, entry);
        StateCodec.set(s, StateCodec.MAX_STEPS, 8, maxSteps);
        StateCodec.set(s, StateCodec.MEM_LIMIT, 4, memLimit);
        StateCodec.set(s, StateCodec.INPUT_LENGTH, 4, inputLength);
        StateCodec.set(s, StateCodec.MAX_OUTPUT, 4, maxOutput);
    }

    /// @notice The state hash of the initial state of a run (§1.3).
    function initialStateHash(
        bytes32 memRoot,
        uint32 entry,
        uint64 maxSteps,
        uint32 memLimit,
        uint32 maxOutput,
        bytes32 inputRoot,
        uint32 inputLength
    ) internal pure returns (bytes32) {
        bytes memory state = initialState(memRoot, entry, maxSteps, memLimit, maxOutput, inputRoot, inputLength);
        // The status of an initial state is Running (0), so its top byte is zero.
        return keccak256(state) & bytes32(type(uint256).max >> 8);
    }

    /// @notice Output commitment `keccak(outputChain || outputTail || u32(length))` (§1.7).
    function outputHash(bytes32 chain, bytes32 tail, uint32 length) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(chain, tail, length));
    }

    /// @notice Output commitment of a whole output (§1.7): the hash chain over its complete 32-byte blocks, the
    ///         zero-padded incomplete block and the length, as the VM builds it incrementally.
    function outputHash(bytes memory output) internal pure returns (bytes32) {
        uint256 len = output.length;
        uint256 full = len >> 5;
        bytes32 chain;
        bytes32 block_;
        for (uint256 i; i < full; ++i) {
            assembly ("memory-safe") {
                block_ := mload(add(add(output, 32), shl(5, i)))
            }
            chain = keccak256(abi.encodePacked(chain, block_));
        }
        bytes32 tail;
        for (uint256 i = full << 5; i < len; ++i) {
            tail |= bytes32(output[i]) >> (8 * (i & 31));
        }
        // forge-lint: disable-next-line(unsafe-typecast) outputs are bounded by a u32 maxOutput (§1.7 encodes u32)
        return outputHash(chain, tail, uint32(len));
    }

    /// @notice Result hash `keccak(u8(status) || u32(exitCode) || outputHash)` (§1.8); `exitCode` and `outHash`
    ///         are taken as zero unless the status is Exited.
    function resultHash(uint8 status, uint32 exitCode, bytes32 outHash) internal pure returns (bytes32) {
        if (status != StateCodec.EXITED) return keccak256(abi.encodePacked(status, uint32(0), bytes32(0)));
        return keccak256(abi.encodePacked(status, exitCode, outHash));
    }

    /// @notice The status and result hash (§1.8) of a 329-byte state encoding, e.g. a final state whose hash a
    ///         claim committed to. Reverts with `StateLengthInvalid` on another length.
    function resultOf(bytes memory state) internal pure returns (uint8 status, bytes32 result) {
        if (state.length != StateCodec.LENGTH) revert StateLengthInvalid(state.length);
        uint256 s;
        assembly ("memory-safe") {
            s := add(state, 32)
        }
        status = uint8(StateCodec.get(s, StateCodec.STATUS, 1));
        bytes32 out = outputHash(
            StateCodec.getWord(s, StateCodec.OUTPUT_CHAIN),
            StateCodec.getWord(s, StateCodec.OUTPUT_TAIL),
            uint32(StateCodec.get(s, StateCodec.OUTPUT_LENGTH, 4))
        );
        result = resultHash(status, uint32(StateCodec.get(s, StateCodec.EXIT_CODE, 4)), out);
    }

    /// @notice The state hash (§1.3) of a 329-byte encoding in memory.
    function stateHash(bytes memory state) internal pure returns (bytes32) {
        if (state.length != StateCodec.LENGTH) revert StateLengthInvalid(state.length);
        uint256 s;
        assembly ("memory-safe") {
            s := add(state, 32)
        }
        return StateCodec.hash(s);
    }

    /// @notice A state encoding that is not 329 bytes long.
    error StateLengthInvalid(uint256 length);
}
