// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VerityService} from "../VerityService.sol";

/// @title NumericService
/// @notice Example service: a small float64 MLP (16 -> 64 tanh -> layer norm -> 8 softmax) computed in software
///         (program: programs/examples/numeric).
contract NumericService is VerityService {
    /// @param owner_ sets methods and prices; the other arguments are those of VerityService
    constructor(
        address owner_,
        address arbitration_,
        address registry_,
        uint256 minStake_,
        uint64 unbondingDelay_,
        uint64 requestTimeout_
    ) VerityService(owner_, arbitration_, registry_, minStake_, unbondingDelay_, requestTimeout_) {}

    /// @notice y = IEEE-754 bit patterns of the 8 softmax outputs for 16 inputs `x` in 16.16 fixed point. On chain
    ///         this records a request; the result arrives with ResponsePosted.
    function infer(int32[] calldata x) external payable returns (uint64[] memory y) {
        x;
        _request();
        return y;
    }
}
