// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ServiceFixture} from "./ServiceFixture.sol";
import {VerityService} from "../../src/service/VerityService.sol";
import {EchoService} from "../../src/service/examples/EchoService.sol";

/// @notice A provider whose payout hook tries to re-enter the service (withdraw again, or register again).
contract ReentrantProvider {
    VerityService internal immutable service;
    bool public reentryReverted;
    bytes public reentryError;
    uint256 public received;

    constructor(VerityService service_) {
        service = service_;
    }

    function register(string calldata host) external payable {
        service.register{value: msg.value}(host);
    }

    function requestExit() external {
        service.requestExit();
    }

    function withdraw() external {
        service.withdraw();
    }

    receive() external payable {
        received += msg.value;
        try service.withdraw() {
            reentryReverted = false;
        } catch (bytes memory err) {
            reentryReverted = true;
            reentryError = err;
        }
    }
}

/// @notice A provider that refuses ETH: its withdraw must revert as a whole, leaving its stake in place.
contract RefusingProvider {
    VerityService internal immutable service;

    constructor(VerityService service_) {
        service = service_;
    }

    function register(string calldata host) external payable {
        service.register{value: msg.value}(host);
    }

    function requestExit() external {
        service.requestExit();
    }

    function withdraw() external {
        service.withdraw();
    }
}

contract VerityServiceTest is ServiceFixture {
    bytes4 internal constant ECHO = EchoService.echo.selector;

    // ------------------------------------------------------------------ constructor and views

    function test_constructor_setsConfig() public view {
        assertEq(service.owner(), owner, "owner");
        assertEq(service.arbitration(), arbitration, "arbitration");
        assertEq(service.registry(), address(registry), "registry");
        assertEq(service.minStake(), MIN_STAKE, "minStake");
        assertEq(service.unbondingDelay(), UNBONDING, "unbondingDelay");
        assertEq(service.requestTimeout(), REQUEST_TIMEOUT, "requestTimeout");
        assertEq(service.providerCount(), 0, "no providers");
        assertEq(service.programOf(ECHO), echoProgram, "echo program");
        assertEq(service.priceOf(ECHO), ECHO_PRICE, "echo price");
        assertEq(service.programOf(bytes4(0xdeadbeef)), bytes32(0), "unknown selector");
    }

    function test_offchainChainId_followsRule() public view {
        uint64 id = service.offchainChainId();
        assertEq(id, service.deriveOffchainChainId(block.chainid, address(service)), "derived");
        uint64 expected = uint64(
            uint48(uint256(keccak256(abi.encode("verity.offchain", block.chainid, address(service)))))
        ) | (1 << 47);
        if (expected == block.chainid) expected ^= 1;
        assertEq(id, expected, "rule");
        assertTrue(id != block.chainid && id != 0 && id < (1 << 48), "range");
    }

    function testFuzz_deriveOffchainChainId_neverZeroNorChainId(uint256 chainId, address svc) public view {
        uint64 id = service.deriveOffchainChainId(chainId, svc);
        assertTrue(id != 0, "zero");
        assertTrue(id != chainId, "equals chain id");
        assertTrue(id < (1 << 48), "more than 48 bits");
    }

    function test_deriveOffchainChainId_flipsOnCollision() public view {
        // Find the id for chain 1, then ask for the chain id that equals it: the rule must flip bit 0.
        uint64 id = service.deriveOffchainChainId(1, address(service));
        uint64 colliding = service.deriveOffchainChainId(id, address(service));
        assertTrue(colliding != id, "colliding chain id returned");
    }

    function test_constructor_revertsOnBadConfig() public {
        address r = address(registry);
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidConfig.selector, "owner is zero"));
        new EchoService(address(0), arbitration, r, MIN_STAKE, UNBONDING, REQUEST_TIMEOUT);
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidConfig.selector, "arbitration is zero"));
        new EchoService(owner, address(0), r, MIN_STAKE, UNBONDING, REQUEST_TIMEOUT);
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidConfig.selector, "registry has no code"));
        new EchoService(owner, arbitration, address(0x1234), MIN_STAKE, UNBONDING, REQUEST_TIMEOUT);
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidConfig.selector, "minStake is zero"));
        new EchoService(owner, arbitration, r, 0, UNBONDING, REQUEST_TIMEOUT);
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidConfig.selector, "unbondingDelay is zero"));
        new EchoService(owner, arbitration, r, MIN_STAKE, 0, REQUEST_TIMEOUT);
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidConfig.selector, "requestTimeout is zero"));
        new EchoService(owner, arbitration, r, MIN_STAKE, UNBONDING, 0);
    }

    // ------------------------------------------------------------------ owner: methods and ownership

    function test_setMethod_bindsAndEmits() public {
        bytes32 other = registry.register(bytes32(uint256(1)), bytes32(0), bytes32(0), 0, 5, 8, 100, 100);
        bytes4 sel = bytes4(keccak256("other(bytes)"));
        vm.expectEmit(true, true, false, true, address(service));
        emit VerityService.MethodSet(sel, other, 42);
        vm.prank(owner);
        service.setMethod(sel, other, 42);
        assertEq(service.programOf(sel), other, "program");
        assertEq(service.priceOf(sel), 42, "price");
    }

    function test_setMethod_revertsForNonOwner() public {
        bytes32 before = _configState(ECHO);
        vm.expectRevert(abi.encodeWithSelector(VerityService.NotOwner.selector, address(this)));
        service.setMethod(ECHO, echoProgram, 1);
        assertEq(_configState(ECHO), before, "state changed");
    }

    function testFuzz_setMethod_revertsForUnregisteredProgram(bytes32 programHash) public {
        vm.assume(programHash != echoProgram);
        bytes32 before = _configState(ECHO);
        vm.expectRevert(abi.encodeWithSelector(VerityService.ProgramNotRegistered.selector, programHash));
        vm.prank(owner);
        service.setMethod(ECHO, programHash, 1);
        assertEq(_configState(ECHO), before, "state changed");
    }

    function testFuzz_setPrice(uint256 price) public {
        vm.prank(owner);
        service.setPrice(ECHO, price);
        assertEq(service.priceOf(ECHO), price, "price");
        assertEq(service.programOf(ECHO), echoProgram, "program kept");
    }

    function test_setPrice_reverts() public {
        bytes4 unknown = bytes4(0x12345678);
        vm.expectRevert(abi.encodeWithSelector(VerityService.UnknownMethod.selector, unknown));
        vm.prank(owner);
        service.setPrice(unknown, 1);
        assertEq(service.priceOf(unknown), 0, "unknown price set");
        vm.expectRevert(abi.encodeWithSelector(VerityService.NotOwner.selector, address(this)));
        service.setPrice(ECHO, 1);
        assertEq(service.priceOf(ECHO), ECHO_PRICE, "price changed");
    }

    function test_removeMethod() public {
        vm.prank(owner);
        service.removeMethod(ECHO);
        assertEq(service.programOf(ECHO), bytes32(0), "program");
        assertEq(service.priceOf(ECHO), 0, "price");
        vm.expectRevert(abi.encodeWithSelector(VerityService.UnknownMethod.selector, ECHO));
        vm.prank(owner);
        service.removeMethod(ECHO);
    }

    function test_removeMethod_revertsForNonOwner() public {
        bytes32 before = _configState(ECHO);
        vm.expectRevert(abi.encodeWithSelector(VerityService.NotOwner.selector, address(this)));
        service.removeMethod(ECHO);
        assertEq(_configState(ECHO), before, "state changed");
    }

    function test_ownership_twoStep() public {
        address next = address(0xBEEF);
        vm.prank(owner);
        service.transferOwnership(next);
        assertEq(service.owner(), owner, "owner changes only on accept");
        assertEq(service.pendingOwner(), next, "pending");
        bytes32 before = _configState(ECHO);
        vm.expectRevert(abi.encodeWithSelector(VerityService.NotPendingOwner.selector, address(this)));
        service.acceptOwnership();
        assertEq(_configState(ECHO), before, "state changed");
        vm.prank(next);
        service.acceptOwnership();
        assertEq(service.owner(), next, "new owner");
        assertEq(service.pendingOwner(), address(0), "pending cleared");
        vm.expectRevert(abi.encodeWithSelector(VerityService.NotOwner.selector, owner));
        vm.prank(owner);
        service.transferOwnership(owner);
    }

    function test_acceptOwnership_revertsWithoutPending() public {
        vm.expectRevert(abi.encodeWithSelector(VerityService.NotPendingOwner.selector, address(0)));
        vm.prank(address(0));
        service.acceptOwnership();
    }

    // ------------------------------------------------------------------ register

    function testFuzz_register(uint256 stake, uint8 hostLength) public {
        stake = bound(stake, MIN_STAKE, 1000 ether);
        uint256 len = bound(hostLength, 1, service.MAX_HOST_LENGTH());
        string memory host = string(new bytes(len));
        vm.deal(provider, stake);
        vm.expectEmit(true, false, false, true, address(service));
        emit VerityService.ProviderRegistered(provider, host, stake);
        vm.prank(provider);
        service.register{value: stake}(host);
        assertEq(service.providerCount(), 1, "count");
        assertEq(service.providerAt(0), provider, "list");
        assertEq(service.stakeOf(provider), stake, "stake");
        assertEq(bytes(service.hostOf(provider)), bytes(host), "host");
        assertTrue(service.isActiveProvider(provider), "active");
        assertTrue(service.isSlashable(provider), "slashable");
        assertEq(uint256(service.statusOf(provider)), uint256(VerityService.ProviderStatus.Active), "status");
        assertEq(address(service).balance, stake, "balance");
    }

    function testFuzz_register_revertsBelowMinStake(uint256 stake) public {
        stake = bound(stake, 0, MIN_STAKE - 1);
        bytes32 before = _providerState(provider);
        vm.expectRevert(abi.encodeWithSelector(VerityService.InsufficientValue.selector, MIN_STAKE, stake));
        vm.prank(provider);
        service.register{value: stake}("https://p.example");
        assertEq(_providerState(provider), before, "state changed");
    }

    function test_register_revertsOnBadHost() public {
        bytes32 before = _providerState(provider);
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidHost.selector, 0));
        vm.prank(provider);
        service.register{value: MIN_STAKE}("");
        string memory long = string(new bytes(257));
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidHost.selector, 257));
        vm.prank(provider);
        service.register{value: MIN_STAKE}(long);
        assertEq(_providerState(provider), before, "state changed");
    }

    function test_register_revertsWhenAlreadyActiveOrExiting() public {
        _register(provider, MIN_STAKE);
        bytes32 before = _providerState(provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                VerityService.InvalidProviderStatus.selector, provider, VerityService.ProviderStatus.Active
            )
        );
        vm.prank(provider);
        service.register{value: MIN_STAKE}("https://again.example");
        assertEq(_providerState(provider), before, "state changed");
        vm.prank(provider);
        service.requestExit();
        vm.expectRevert(
            abi.encodeWithSelector(
                VerityService.InvalidProviderStatus.selector, provider, VerityService.ProviderStatus.Exiting
            )
        );
        vm.prank(provider);
        service.register{value: MIN_STAKE}("https://again.example");
    }

    function test_register_againAfterWithdraw_keepsOneListEntry() public {
        _register(provider, MIN_STAKE);
        vm.prank(provider);
        service.requestExit();
        vm.warp(block.timestamp + UNBONDING);
        vm.prank(provider);
        service.withdraw();
        assertEq(uint256(service.statusOf(provider)), uint256(VerityService.ProviderStatus.Withdrawn), "withdrawn");
        assertTrue(!service.isActiveProvider(provider), "inactive after withdraw");
        vm.prank(provider);
        service.register{value: 2 ether}("https://back.example");
        assertEq(service.providerCount(), 1, "listed once");
        assertEq(service.stakeOf(provider), 2 ether, "new stake");
        assertTrue(service.isActiveProvider(provider), "active again");
    }

    function test_register_revertsWhenSlashed() public {
        _register(provider, MIN_STAKE);
        vm.prank(arbitration);
        service.slash(provider);
        bytes32 before = _providerState(provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                VerityService.InvalidProviderStatus.selector, provider, VerityService.ProviderStatus.Slashed
            )
        );
        vm.prank(provider);
        service.register{value: MIN_STAKE}("https://again.example");
        assertEq(_providerState(provider), before, "state changed");
    }

    function test_providerList_pagingAndBounds() public {
        for (uint160 i = 1; i <= 5; ++i) {
            _register(address(i * 0x1000), MIN_STAKE);
        }
        assertEq(service.providerCount(), 5, "count");
        address[] memory page = service.providers(1, 3);
        assertEq(page.length, 3, "page length");
        assertEq(page[0], address(2 * 0x1000), "page[0]");
        assertEq(page[2], address(4 * 0x1000), "page[2]");
        assertEq(service.providers(4, 10).length, 1, "clipped");
        assertEq(service.providers(9, 10).length, 0, "past end");
        assertEq(service.providers(0, type(uint256).max).length, 5, "huge count");
        vm.expectRevert(abi.encodeWithSelector(VerityService.IndexOutOfRange.selector, 5, 5));
        service.providerAt(5);
    }

    // ------------------------------------------------------------------ addStake, updateHost, requestExit

    function testFuzz_addStake(uint256 amount) public {
        amount = bound(amount, 1, 1000 ether);
        _register(provider, MIN_STAKE);
        vm.deal(provider, amount);
        vm.expectEmit(true, false, false, true, address(service));
        emit VerityService.StakeAdded(provider, amount, MIN_STAKE + amount);
        vm.prank(provider);
        service.addStake{value: amount}();
        assertEq(service.stakeOf(provider), MIN_STAKE + amount, "stake");
    }

    function test_addStake_reverts() public {
        bytes32 before = _providerState(provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                VerityService.InvalidProviderStatus.selector, provider, VerityService.ProviderStatus.None
            )
        );
        vm.prank(provider);
        service.addStake{value: 1}();
        assertEq(_providerState(provider), before, "state changed");
        _register(provider, MIN_STAKE);
        before = _providerState(provider);
        vm.expectRevert(VerityService.ZeroValue.selector);
        vm.prank(provider);
        service.addStake();
        assertEq(_providerState(provider), before, "state changed");
    }

    function test_updateHost() public {
        _register(provider, MIN_STAKE);
        vm.expectEmit(true, false, false, true, address(service));
        emit VerityService.HostUpdated(provider, "https://new.example:8443");
        vm.prank(provider);
        service.updateHost("https://new.example:8443");
        assertEq(bytes(service.hostOf(provider)), bytes("https://new.example:8443"), "host");
        vm.prank(provider);
        service.requestExit();
        vm.prank(provider);
        service.updateHost("https://exiting.example");
        assertEq(bytes(service.hostOf(provider)), bytes("https://exiting.example"), "host while exiting");
    }

    function test_updateHost_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                VerityService.InvalidProviderStatus.selector, provider, VerityService.ProviderStatus.None
            )
        );
        vm.prank(provider);
        service.updateHost("https://x.example");
        _register(provider, MIN_STAKE);
        bytes32 before = _providerState(provider);
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidHost.selector, 0));
        vm.prank(provider);
        service.updateHost("");
        vm.expectRevert(abi.encodeWithSelector(VerityService.InvalidHost.selector, 300));
        vm.prank(provider);
        service.updateHost(string(new bytes(300)));
        assertEq(_providerState(provider), before, "state changed");
    }

    function test_requestExit() public {
        _register(provider, MIN_STAKE);
        vm.expectEmit(true, false, false, true, address(service));
        emit VerityService.ExitRequested(provider, block.timestamp + UNBONDING);
        vm.prank(provider);
        service.requestExit();
        assertTrue(!service.isActiveProvider(provider), "exiting is not active");
        assertTrue(service.isSlashable(provider), "exiting is slashable");
        assertEq(service.providerInfo(provider).exitRequestedAt, block.timestamp, "exit time");
        bytes32 before = _providerState(provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                VerityService.InvalidProviderStatus.selector, provider, VerityService.ProviderStatus.Exiting
            )
        );
        vm.prank(provider);
        service.requestExit();
        assertEq(_providerState(provider), before, "state changed");
    }

    // ------------------------------------------------------------------ withdraw

    function testFuzz_withdraw_afterDelay(uint256 stake, uint256 wait) public {
        stake = bound(stake, MIN_STAKE, 1000 ether);
        wait = bound(wait, UNBONDING, 3650 days);
        _register(provider, stake);
        vm.prank(provider);
        service.requestExit();
        vm.warp(block.timestamp + wait);
        uint256 balanceBefore = provider.balance;
        vm.expectEmit(true, false, false, true, address(service));
        emit VerityService.Withdrawn(provider, stake);
        vm.prank(provider);
        service.withdraw();
        assertEq(provider.balance, balanceBefore + stake, "paid");
        assertEq(service.stakeOf(provider), 0, "stake");
        assertTrue(!service.isSlashable(provider), "withdrawn is not slashable");
        assertEq(address(service).balance, 0, "service empty");
    }

    function testFuzz_withdraw_revertsBeforeDelay(uint256 wait) public {
        wait = bound(wait, 0, UNBONDING - 1);
        _register(provider, MIN_STAKE);
        vm.prank(provider);
        service.requestExit();
        uint256 at = block.timestamp + UNBONDING;
        vm.warp(block.timestamp + wait);
        bytes32 before = _providerState(provider);
        vm.expectRevert(abi.encodeWithSelector(VerityService.UnbondingNotOver.selector, at, block.timestamp));
        vm.prank(provider);
        service.withdraw();
        assertEq(_providerState(provider), before, "state changed");
    }

    function test_withdraw_revertsWhenNotExiting() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                VerityService.InvalidProviderStatus.selector, provider, VerityService.ProviderStatus.None
            )
        );
        vm.prank(provider);
        service.withdraw();
        _register(provider, MIN_STAKE);
        bytes32 before = _providerState(provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                VerityService.InvalidProviderStatus.selector, provider, VerityService.ProviderStatus.Active
            )
        );
        vm.prank(provider);
        service.withdraw();
        assertEq(_providerState(provider), before, "state changed");
    }

    function test_withdraw_revertsWhileLocked_thenSucceedsWhenUnlocked() public {
        _register(provider, MIN_STAKE);
        vm.startPrank(arbitration);
        service.lockProvider(provider);
        service.lockProvider(provider);
        vm.stopPrank();
        vm.prank(provider);
        service.requestExit();
        vm.warp(block.timestamp + UNBONDING + 1);
        bytes32 before = _providerState(provider);
        vm.expectRevert(abi.encodeWithSelector(VerityService.ProviderIsLocked.selector, provider, uint32(2)));
        vm.prank(provider);
        service.withdraw();
        assertEq(_providerState(provider), before, "state changed");
        vm.prank(arbitration);
        service.unlockProvider(provider);
        vm.expectRevert(abi.encodeWithSelector(VerityService.ProviderIsLocked.selector, provider, uint32(1)));
        vm.prank(provider);
        service.withdraw();
        vm.prank(arbitration);
        service.unlockProvider(provider);
        vm.prank(provider);
        service.withdraw();
        assertEq(service.stakeOf(provider), 0, "withdrawn");
    }

    function test_withdraw_reentrancyIsBlocked() public {
        ReentrantProvider evil = new ReentrantProvider(service);
        vm.deal(address(evil), 0);
        evil.register{value: 3 ether}("https://evil.example");
        _register(provider, 5 ether); // other stake the attacker would like to drain
        evil.requestExit();
        vm.warp(block.timestamp + UNBONDING);
        evil.withdraw();
        assertEq(evil.received(), 3 ether, "paid exactly once");
        assertTrue(evil.reentryReverted(), "re-entry must revert");
        assertEq(evil.reentryError(), abi.encodeWithSelector(VerityService.Reentrancy.selector), "reentrancy error");
        assertEq(address(service).balance, 5 ether, "other stake untouched");
        assertEq(service.stakeOf(address(evil)), 0, "stake zero");
    }

    function test_withdraw_refusedTransferRevertsEverything() public {
        RefusingProvider refusing = new RefusingProvider(service);
        refusing.register{value: 2 ether}("https://refusing.example");
        refusing.requestExit();
        vm.warp(block.timestamp + UNBONDING);
        bytes32 before = _providerState(address(refusing));
        vm.expectRevert(abi.encodeWithSelector(VerityService.TransferFailed.selector, address(refusing), 2 ether));
        refusing.withdraw();
        assertEq(_providerState(address(refusing)), before, "state changed");
    }

    // ------------------------------------------------------------------ arbitration: slash, lock, unlock

    function testFuzz_slash_takesWholeStake(uint256 stake, bool exiting) public {
        stake = bound(stake, MIN_STAKE, 1000 ether);
        _register(provider, stake);
        if (exiting) {
            vm.prank(provider);
            service.requestExit();
        }
        vm.expectEmit(true, true, false, true, address(service));
        emit VerityService.Slashed(provider, stake, arbitration);
        vm.prank(arbitration);
        uint256 got = service.slash(provider);
        assertEq(got, stake, "returned");
        assertEq(arbitration.balance, stake, "sent to arbitration");
        assertEq(service.stakeOf(provider), 0, "stake");
        assertTrue(!service.isActiveProvider(provider) && !service.isSlashable(provider), "status");
        vm.prank(arbitration);
        assertEq(service.slash(provider), 0, "second slash takes nothing");
        assertEq(arbitration.balance, stake, "no second payout");
    }

    function test_slash_ofUnknownOrWithdrawnReturnsZero() public {
        vm.prank(arbitration);
        assertEq(service.slash(provider), 0, "unknown");
        _register(provider, MIN_STAKE);
        vm.prank(provider);
        service.requestExit();
        vm.warp(block.timestamp + UNBONDING);
        vm.prank(provider);
        service.withdraw();
        bytes32 before = _providerState(provider);
        vm.prank(arbitration);
        assertEq(service.slash(provider), 0, "withdrawn");
        assertEq(_providerState(provider), before, "state changed");
    }

    function test_slashedProviderCannotWithdraw() public {
        _register(provider, MIN_STAKE);
        vm.prank(provider);
        service.requestExit();
        vm.prank(arbitration);
        service.slash(provider);
        vm.warp(block.timestamp + UNBONDING);
        vm.expectRevert(
            abi.encodeWithSelector(
                VerityService.InvalidProviderStatus.selector, provider, VerityService.ProviderStatus.Slashed
            )
        );
        vm.prank(provider);
        service.withdraw();
    }

    function testFuzz_arbitrationOnly(address caller) public {
        vm.assume(caller != arbitration);
        _register(provider, MIN_STAKE);
        bytes32 before = _providerState(provider);
        vm.startPrank(caller);
        vm.expectRevert(abi.encodeWithSelector(VerityService.NotArbitration.selector, caller));
        service.slash(provider);
        vm.expectRevert(abi.encodeWithSelector(VerityService.NotArbitration.selector, caller));
        service.lockProvider(provider);
        vm.expectRevert(abi.encodeWithSelector(VerityService.NotArbitration.selector, caller));
        service.unlockProvider(provider);
        vm.stopPrank();
        assertEq(_providerState(provider), before, "state changed");
    }

    function test_lockAndUnlock_countAndEmit() public {
        vm.expectEmit(true, false, false, true, address(service));
        emit VerityService.ProviderLocked(provider, 1);
        vm.prank(arbitration);
        service.lockProvider(provider);
        assertEq(service.locksOf(provider), 1, "locks");
        vm.expectEmit(true, false, false, true, address(service));
        emit VerityService.ProviderUnlocked(provider, 0);
        vm.prank(arbitration);
        service.unlockProvider(provider);
        bytes32 before = _providerState(provider);
        vm.expectRevert(abi.encodeWithSelector(VerityService.ProviderNotLocked.selector, provider));
        vm.prank(arbitration);
        service.unlockProvider(provider);
        assertEq(_providerState(provider), before, "state changed");
    }

    // ------------------------------------------------------------------ storage layout (mirrored in TS)

    function test_storageLayout_matchesViews() public {
        _register(provider, 3 ether);
        address second = address(0x5EC0);
        vm.deal(second, 2 ether);
        string memory longHost = "https://a-rather-long-provider-host-name.example.org:8443/verity";
        vm.prank(second);
        service.register{value: 2 ether}(longHost);
        vm.prank(arbitration);
        service.lockProvider(second);
        vm.prank(second);
        service.requestExit();
        address svc = address(service);
        assertEq(uint256(vm.load(svc, bytes32(uint256(0)))), 2, "provider count");
        bytes32 listData = keccak256(abi.encode(uint256(0)));
        assertEq(address(uint160(uint256(vm.load(svc, bytes32(uint256(listData) + 1))))), second, "list[1]");
        bytes32 base = keccak256(abi.encode(second, uint256(1)));
        assertEq(uint256(vm.load(svc, base)), 2 ether, "stake");
        uint256 packed = uint256(vm.load(svc, bytes32(uint256(base) + 1)));
        assertEq(packed & 0xff, uint256(VerityService.ProviderStatus.Exiting), "status byte");
        assertEq((packed >> 8) & type(uint64).max, block.timestamp, "exitRequestedAt");
        assertEq((packed >> 72) & type(uint32).max, 1, "locks");
        assertEq((packed >> 104) & 0xff, 1, "listed");
        uint256 head = uint256(vm.load(svc, bytes32(uint256(base) + 2)));
        assertEq(head, bytes(longHost).length * 2 + 1, "long string head");
        bytes32 hostData = keccak256(abi.encode(uint256(base) + 2));
        assertEq(vm.load(svc, hostData), bytes32(bytes(longHost)), "long string first word");
        assertEq(vm.load(svc, keccak256(abi.encode(ECHO, uint256(2)))), echoProgram, "methods[echo]");
        assertEq(uint256(vm.load(svc, keccak256(abi.encode(ECHO, uint256(3))))), ECHO_PRICE, "prices[echo]");
        assertEq(uint256(vm.load(svc, bytes32(uint256(4)))), service.offchainChainId(), "offchain chain id");
        assertEq(uint256(vm.load(svc, bytes32(uint256(5)))), MIN_STAKE, "minStake");
        assertEq(address(uint160(uint256(vm.load(svc, bytes32(uint256(6)))))), owner, "owner");
    }
}
