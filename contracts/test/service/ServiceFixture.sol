// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {ProgramRegistry} from "../../src/ProgramRegistry.sol";
import {VerityService} from "../../src/service/VerityService.sol";
import {EchoService} from "../../src/service/examples/EchoService.sol";

/// @notice Shared deployment for service tests: a registry with one program and an EchoService bound to it.
abstract contract ServiceFixture is Test {
    ProgramRegistry internal registry;
    EchoService internal service;
    bytes32 internal echoProgram;

    address internal owner = address(0xA11CE);
    address internal arbitration = address(0xA4B);
    uint256 internal constant MIN_STAKE = 1 ether;
    uint64 internal constant UNBONDING = 7 days;
    uint64 internal constant REQUEST_TIMEOUT = 1 days;
    uint256 internal constant ECHO_PRICE = 0.001 ether;
    uint32 internal constant MAX_INPUT = 4096;
    uint32 internal constant MAX_OUTPUT = 4200;

    uint256 internal constant PROVIDER_KEY = 0xB0B;
    address internal provider;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        registry = new ProgramRegistry();
        echoProgram = registry.register(
            keccak256("echo.elf"),
            keccak256("echo.wasm"),
            keccak256("root"),
            0x1000,
            1e7,
            1 << 21,
            MAX_INPUT,
            MAX_OUTPUT
        );
        service = new EchoService(owner, arbitration, address(registry), MIN_STAKE, UNBONDING, REQUEST_TIMEOUT);
        vm.prank(owner);
        service.setMethod(EchoService.echo.selector, echoProgram, ECHO_PRICE);
        provider = vm.addr(PROVIDER_KEY);
        vm.deal(provider, 100 ether);
    }

    /// @dev Registers `who` with `stake` and host "https://<n>.example".
    function _register(address who, uint256 stake) internal {
        vm.deal(who, who.balance + stake);
        vm.prank(who);
        service.register{value: stake}("https://provider.example");
    }

    /// @dev Everything a failed provider call could have touched, hashed: a revert must leave it unchanged.
    function _providerState(address who) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                service.providerInfo(who),
                service.providerCount(),
                address(service).balance,
                who.balance,
                arbitration.balance
            )
        );
    }

    /// @dev Method/owner state, hashed.
    function _configState(bytes4 selector) internal view returns (bytes32) {
        return keccak256(
            abi.encode(service.programOf(selector), service.priceOf(selector), service.owner(), service.pendingOwner())
        );
    }
}
