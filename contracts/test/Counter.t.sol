// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;
import {Test} from "./utils/Test.sol";
import {Counter} from "../src/Counter.sol";
contract CounterTest is Test {
  function test_inc() public { Counter c = new Counter(); c.inc(); assertEq(c.n(), 1, "n"); }
  function testFuzz_x(uint256 x) public pure { assertEq(bound(x, 1, 5) >= 1 ? 1 : 0, 1, "b"); }
}
