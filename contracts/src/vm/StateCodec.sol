// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title StateCodec
/// @notice Reads and writes the fields of the 329-byte VM state encoding (docs/protocol.md §1.3) in place in memory.
/// @dev A state lives in memory as a raw pointer to its first byte. Fields are big-endian and packed, so every
///      accessor is one word load plus a shift or mask. Writes are read-modify-write of one word and leave the bytes
///      around the field untouched, which also keeps the field at the end (x31) from clobbering anything after it.
library StateCodec {
    /// @notice Length of a state encoding in bytes.
    uint256 internal constant LENGTH = 329;

    uint256 internal constant MEM_ROOT = 0;
    uint256 internal constant INPUT_ROOT = 32;
    uint256 internal constant OUTPUT_CHAIN = 64;
    uint256 internal constant OUTPUT_TAIL = 96;
    uint256 internal constant ORACLE_KEY = 128;
    uint256 internal constant PC = 160;
    uint256 internal constant STEP = 164;
    uint256 internal constant MAX_STEPS = 172;
    uint256 internal constant MEM_LIMIT = 180;
    uint256 internal constant INPUT_LENGTH = 184;
    uint256 internal constant INPUT_CURSOR = 188;
    uint256 internal constant OUTPUT_LENGTH = 192;
    uint256 internal constant MAX_OUTPUT = 196;
    uint256 internal constant EXIT_CODE = 200;
    uint256 internal constant STATUS = 204;
    /// @dev x1 is at 205, so xN is at 201 + 4N.
    uint256 internal constant REGS_MINUS_4 = 201;

    /// @notice Status codes of §1.2.
    uint256 internal constant RUNNING = 0;
    uint256 internal constant EXITED = 1;
    uint256 internal constant ILLEGAL_INSTRUCTION = 2;
    uint256 internal constant MISALIGNED_ACCESS = 3;
    uint256 internal constant MEMORY_LIMIT = 4;
    uint256 internal constant STEP_LIMIT = 5;
    uint256 internal constant UNKNOWN_SYSCALL = 6;
    uint256 internal constant OUTPUT_LIMIT = 7;
    uint256 internal constant BREAKPOINT = 8;
    uint256 internal constant BAD_ORACLE_KEY = 9;

    /// @notice Copies a calldata state (already checked to be LENGTH bytes) to fresh memory; returns its pointer.
    function load(bytes calldata state) internal pure returns (uint256 s) {
        assembly ("memory-safe") {
            s := mload(0x40)
            calldatacopy(s, state.offset, 329)
            // Reserve whole words so word-sized writes near the end stay inside this allocation.
            mstore(0x40, add(s, 352))
        }
    }

    /// @notice Reads a big-endian unsigned field of `size` bytes (1..32) at byte offset `off`.
    function get(uint256 s, uint256 off, uint256 size) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(sub(256, shl(3, size)), mload(add(s, off)))
        }
    }

    /// @notice Writes `v` (which must fit) as a big-endian field of `size` bytes (1..31) at byte offset `off`.
    function set(uint256 s, uint256 off, uint256 size, uint256 v) internal pure {
        assembly ("memory-safe") {
            let p := add(s, off)
            let sh := sub(256, shl(3, size))
            let mask := shl(sh, sub(shl(shl(3, size), 1), 1))
            mstore(p, or(and(mload(p), not(mask)), shl(sh, v)))
        }
    }

    /// @notice Reads a 32-byte field.
    function getWord(uint256 s, uint256 off) internal pure returns (bytes32 v) {
        assembly ("memory-safe") {
            v := mload(add(s, off))
        }
    }

    /// @notice Writes a 32-byte field.
    function setWord(uint256 s, uint256 off, bytes32 v) internal pure {
        assembly ("memory-safe") {
            mstore(add(s, off), v)
        }
    }

    /// @notice Reads register `r` (0..31); x0 reads as zero.
    function reg(uint256 s, uint256 r) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := mul(shr(224, mload(add(s, add(201, shl(2, r))))), iszero(iszero(r)))
        }
    }

    /// @notice Writes register `r` (0..31) with the low 32 bits of `v`; writes to x0 are dropped.
    function setReg(uint256 s, uint256 r, uint256 v) internal pure {
        assembly ("memory-safe") {
            if r {
                let p := add(s, add(201, shl(2, r)))
                mstore(
                    p,
                    or(and(mload(p), 0x00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff), shl(224, v))
                )
            }
        }
    }

    /// @notice The state hash of §1.3: keccak of the encoding with its top byte replaced by the status.
    function hash(uint256 s) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            h := keccak256(s, 329)
            h := or(shr(8, shl(8, h)), shl(248, byte(0, mload(add(s, 204)))))
        }
    }

    /// @notice The state hash of a calldata encoding (already checked to be LENGTH bytes), without copying fields.
    function hashCalldata(bytes calldata state) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, state.offset, 329)
            h := keccak256(p, 329)
            h := or(shr(8, shl(8, h)), shl(248, byte(0, mload(add(p, 204)))))
        }
    }
}
