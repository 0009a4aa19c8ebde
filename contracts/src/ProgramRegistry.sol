// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IProgramRegistry} from "./interfaces/IProgramRegistry.sol";

/// @title ProgramRegistry
/// @notice Permissionless, append-only registry of Verity programs. The hash is recomputed on chain from the
///         manifest fields, so a registered hash always commits to exactly the stored fields.
contract ProgramRegistry is IProgramRegistry {
    /// @notice The program is already registered (registration is write-once).
    error ProgramAlreadyRegistered(bytes32 programHash);
    /// @notice A manifest that no run could ever use (zero step limit, zero memory, entry outside memory).
    error InvalidManifest(string reason);

    mapping(bytes32 programHash => ProgramInfo) internal _programs;

    /// @inheritdoc IProgramRegistry
    function program(bytes32 programHash) external view returns (ProgramInfo memory) {
        return _programs[programHash];
    }

    /// @inheritdoc IProgramRegistry
    function isRegistered(bytes32 programHash) external view returns (bool) {
        return _programs[programHash].registered;
    }

    /// @inheritdoc IProgramRegistry
    function computeProgramHash(
        bytes32 elfHash,
        bytes32 wasmHash,
        bytes32 memRoot,
        uint32 entry,
        uint64 maxSteps,
        uint32 memLimit,
        uint32 maxInput,
        uint32 maxOutput
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(elfHash, wasmHash, memRoot, entry, maxSteps, memLimit, maxInput, maxOutput));
    }

    /// @inheritdoc IProgramRegistry
    function register(
        bytes32 elfHash,
        bytes32 wasmHash,
        bytes32 memRoot,
        uint32 entry,
        uint64 maxSteps,
        uint32 memLimit,
        uint32 maxInput,
        uint32 maxOutput
    ) external returns (bytes32 programHash) {
        if (maxSteps == 0) revert InvalidManifest("maxSteps must be > 0");
        if (uint256(entry) + 4 > memLimit) revert InvalidManifest("entry + 4 must be <= memLimit");
        programHash = computeProgramHash(elfHash, wasmHash, memRoot, entry, maxSteps, memLimit, maxInput, maxOutput);
        if (_programs[programHash].registered) revert ProgramAlreadyRegistered(programHash);
        _programs[programHash] = ProgramInfo({
            elfHash: elfHash,
            wasmHash: wasmHash,
            memRoot: memRoot,
            entry: entry,
            maxSteps: maxSteps,
            memLimit: memLimit,
            maxInput: maxInput,
            maxOutput: maxOutput,
            registered: true
        });
        emit ProgramRegistered(
            programHash, msg.sender, elfHash, wasmHash, memRoot, entry, maxSteps, memLimit, maxInput, maxOutput
        );
    }
}
