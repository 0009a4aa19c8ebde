// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VerityService} from "../VerityService.sol";

/// @title MatmulService
/// @notice Example service: product of two n x n int32 matrices (n <= 32) with wrapping int64 entries, row-major
///         (program: programs/examples/matmul).
contract MatmulService is VerityService {
    /// @param owner_ sets methods and prices; the other arguments are those of VerityService
    constructor(
        address owner_,
        address arbitration_,
        address registry_,
        uint256 minStake_,
        uint64 unbondingDelay_,
        uint64 requestTimeout_
    ) VerityService(owner_, arbitration_, registry_, minStake_, unbondingDelay_, requestTimeout_) {}

    /// @notice c = a * b for row-major n x n matrices. On chain this records a request; the result arrives with
    ///         ResponsePosted.
    function multiply(uint32 n, int32[] calldata a, int32[] calldata b) external payable returns (int64[] memory c) {
        (n, a, b);
        _request();
        return c;
    }
}
