// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title MerkleProof
/// @notice Root recomputation for the keccak binary trees of docs/protocol.md: the 27-level memory tree (§1.4) and
///         the input/oracle chunk trees (§1.6). Leaves are raw 32-byte words, inner nodes keccak(left || right).
library MerkleProof {
    /// @notice Depth of the memory tree: 2^27 leaves of 32 bytes cover the 32-bit address space.
    uint256 internal constant MEMORY_DEPTH = 27;
    /// @notice Bytes of a memory proof: the leaf and its 27 siblings.
    uint256 internal constant MEMORY_PROOF_LENGTH = 896;

    /// @notice Recomputes a root from `leaf` at position `index` and the `depth` sibling words that start at
    ///         `proof[off]` (bottom up). The caller has checked that the siblings lie inside `proof`.
    /// @dev Branchless: bit k of the index selects which half of the scratch space the running node goes into.
    function root(bytes calldata proof, uint256 off, uint256 index, bytes32 leaf, uint256 depth)
        internal
        pure
        returns (bytes32 node)
    {
        assembly ("memory-safe") {
            node := leaf
            let p := add(proof.offset, off)
            let end := add(p, shl(5, depth))
            for {} lt(p, end) { p := add(p, 32) } {
                let right := and(index, 1)
                mstore(shl(5, right), node)
                mstore(shl(5, xor(right, 1)), calldataload(p))
                node := keccak256(0, 64)
                index := shr(1, index)
            }
        }
    }

    /// @notice Reads the 32-byte word at `proof[off]` (the caller has checked the bounds).
    function word(bytes calldata proof, uint256 off) internal pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := calldataload(add(proof.offset, off))
        }
    }

    /// @notice Depth of the chunk tree of a byte string of `length` bytes: least d with 2^d >= max(1, ceil(L/32)).
    function chunkDepth(uint256 length) internal pure returns (uint256 d) {
        uint256 chunks = (length + 31) >> 5;
        while ((uint256(1) << d) < chunks) d++;
    }
}
