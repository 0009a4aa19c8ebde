// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IProgramRegistry
/// @notice Registry of Verity programs keyed by program hash (docs/protocol.md §2).
interface IProgramRegistry {
    /// @notice What the chain knows about a program: its manifest fields and whether it is registered.
    struct ProgramInfo {
        bytes32 elfHash; // keccak256 of the RV32IM proving image
        bytes32 wasmHash; // keccak256 of the WebAssembly native image
        bytes32 memRoot; // initial memory Merkle root after loading the ELF
        uint32 entry; // initial pc
        uint64 maxSteps; // step limit
        uint32 memLimit; // first address that may not be touched
        uint32 maxInput; // input limit in bytes
        uint32 maxOutput; // output limit in bytes
        bool registered; // false for an unknown hash (all other fields then zero)
    }

    /// @notice Emitted once per program when it is registered.
    event ProgramRegistered(
        bytes32 indexed programHash,
        address indexed registrant,
        bytes32 elfHash,
        bytes32 wasmHash,
        bytes32 memRoot,
        uint32 entry,
        uint64 maxSteps,
        uint32 memLimit,
        uint32 maxInput,
        uint32 maxOutput
    );

    /// @notice The program's manifest fields; `registered == false` (and zero fields) for an unknown hash.
    function program(bytes32 programHash) external view returns (ProgramInfo memory);

    /// @notice True when `programHash` has been registered.
    function isRegistered(bytes32 programHash) external view returns (bool);

    /// @notice Recomputes the program hash from the manifest fields (docs/protocol.md §2), stores them, returns it.
    function register(
        bytes32 elfHash,
        bytes32 wasmHash,
        bytes32 memRoot,
        uint32 entry,
        uint64 maxSteps,
        uint32 memLimit,
        uint32 maxInput,
        uint32 maxOutput
    ) external returns (bytes32 programHash);

    /// @notice The program hash of a manifest, without registering it.
    function computeProgramHash(
        bytes32 elfHash,
        bytes32 wasmHash,
        bytes32 memRoot,
        uint32 entry,
        uint64 maxSteps,
        uint32 memLimit,
        uint32 maxInput,
        uint32 maxOutput
    ) external pure returns (bytes32);
}
