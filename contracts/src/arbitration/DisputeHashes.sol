// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProgramState} from "../vm/ProgramState.sol";

/// @title DisputeHashes
/// @notice Compatibility shim over the VM's `ProgramState` library (docs/protocol.md §1.6, §1.8) for callers that
///         hold calldata and `uint256` lengths. New code should import `ProgramState` directly.
library DisputeHashes {
    /// @notice Chunk root of §1.6 over calldata bytes.
    function chunkRoot(bytes calldata b) internal pure returns (bytes32) {
        return ProgramState.chunkRoot(b);
    }

    /// @notice `inputHash = keccak(chunkRoot || u32(length))` (§1.6).
    function inputHash(bytes32 root, uint256 length) internal pure returns (bytes32) {
        // Input lengths are bounded by a u32 maxInput before they are committed.
        // forge-lint: disable-next-line(unsafe-typecast)
        return ProgramState.inputHash(root, uint32(length));
    }

    /// @notice `resultHash = keccak(u8 status || u32 exitCode || outputHash)`, zeros for non-Exited (§1.8).
    function resultHash(uint8 status, uint32 exitCode, bytes32 outHash) internal pure returns (bytes32) {
        return ProgramState.resultHash(status, exitCode, outHash);
    }
}
