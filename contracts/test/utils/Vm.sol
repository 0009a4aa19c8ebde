// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The few Foundry cheatcodes the tests use (forge-std is not available offline).
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function deal(address who, uint256 amount) external;
    function warp(uint256 timestamp) external;
    function roll(uint256 blockNumber) external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 selector) external;
    function expectRevert() external;
    function expectPartialRevert(bytes4 revertData) external;
    function expectEmit(bool topic1, bool topic2, bool topic3, bool data) external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function assume(bool condition) external pure;
    function readFile(string calldata path) external view returns (string memory);
    function readFileBinary(string calldata path) external view returns (bytes memory);
    function parseJsonBytes(string calldata json, string calldata key) external pure returns (bytes memory);
    function parseJsonBytes32(string calldata json, string calldata key) external pure returns (bytes32);
    function parseJsonUint(string calldata json, string calldata key) external pure returns (uint256);
    function projectRoot() external view returns (string memory);
    function parseJsonString(string calldata json, string calldata key) external pure returns (string memory);
    function toString(uint256 value) external pure returns (string memory);
    function label(address account, string calldata newLabel) external;
    function snapshotGasLastCall(string calldata name) external returns (uint256 gasUsed);
    function pauseGasMetering() external;
    function resumeGasMetering() external;
    function bound(uint256 current, uint256 min, uint256 max) external pure returns (uint256);
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function expectEmit(bool topic1, bool topic2, bool topic3, bool data, address emitter) external;
    function cool(address target) external;
}
