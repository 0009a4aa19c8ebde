// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;
contract Counter { uint256 public n; function inc() external { n += 1; } }
