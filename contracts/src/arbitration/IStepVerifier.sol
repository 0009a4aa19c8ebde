// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IStepVerifier
/// @notice The one-step verifier the Arbitration contract calls (`RiscVStep`, docs/protocol.md §1.10).
interface IStepVerifier {
    /// @notice Executes one VM step from a pre-state encoding and its proofs; reverts on any inconsistent witness.
    function step(bytes calldata state, bytes calldata proof) external view returns (bytes32 postStateHash);
}
