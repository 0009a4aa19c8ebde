// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ServiceHashes
/// @notice The commitments a service computes for its on-chain fallback (docs/protocol.md §1.6–§1.8): the input
///         hash of a request, and the output and result hashes of a posted response.
library ServiceHashes {
    /// @notice VM status `Exited` (docs/protocol.md §1.2).
    uint8 internal constant STATUS_EXITED = 1;

    /// @notice §1.6 chunk root: 32-byte chunks (last one zero padded), 2^d leaves (missing ones zero),
    ///         inner nodes keccak(left || right); at least one chunk.
    function chunkRoot(bytes calldata b) internal pure returns (bytes32) {
        uint256 len = b.length;
        uint256 chunks = len == 0 ? 1 : (len + 31) >> 5;
        uint256 leaves = 1;
        while (leaves < chunks) leaves <<= 1;
        bytes32[] memory level = new bytes32[](leaves);
        for (uint256 i; i < chunks; ++i) {
            uint256 start = i << 5;
            uint256 end = start + 32 > len ? len : start + 32;
            // bytes32(slice) left-aligns and zero pads a short last chunk.
            level[i] = bytes32(b[start:end]);
        }
        for (uint256 n = leaves >> 1; n != 0; n >>= 1) {
            for (uint256 i; i < n; ++i) {
                level[i] = keccak256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
            }
        }
        return level[0];
    }

    /// @notice §1.6 input commitment: keccak(chunkRoot(b) || u32(len)).
    function inputHash(bytes calldata b) internal pure returns (bytes32) {
        // forge-lint: disable-next-line(unsafe-typecast) inputs are bounded by a u32 maxInput (§1.6 encodes u32)
        return keccak256(abi.encodePacked(chunkRoot(b), uint32(b.length)));
    }

    /// @notice §1.7 output commitment of a whole output: keccak(outputChain || outputTail || u32(len)).
    function outputHash(bytes calldata output) internal pure returns (bytes32) {
        uint256 len = output.length;
        uint256 full = len >> 5;
        bytes32 chain;
        for (uint256 i; i < full; ++i) {
            chain = keccak256(abi.encodePacked(chain, bytes32(output[i << 5:(i + 1) << 5])));
        }
        bytes32 tail;
        if (len & 31 != 0) tail = bytes32(output[full << 5:len]);
        // forge-lint: disable-next-line(unsafe-typecast) outputs are bounded by a u32 maxOutput (§1.7 encodes u32)
        return keccak256(abi.encodePacked(chain, tail, uint32(len)));
    }

    /// @notice §1.8 result hash: keccak(u8 status || u32 exitCode || outputHash), both zero unless Exited.
    function resultHash(uint8 status, uint32 exitCode, bytes32 outHash) internal pure returns (bytes32) {
        if (status != STATUS_EXITED) return keccak256(abi.encodePacked(status, uint32(0), bytes32(0)));
        return keccak256(abi.encodePacked(status, exitCode, outHash));
    }
}
