// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ChannelFixture} from "./ChannelFixture.sol";
import {PaymentChannels} from "../../src/payments/PaymentChannels.sol";

/// @notice A provider whose payout hook re-submits its vouchers (claim re-entry).
contract ReentrantClaimer {
    PaymentChannels internal immutable channels;
    PaymentChannels.SignedVoucher[] internal stored;
    bytes public reentryError;
    uint256 public received;

    constructor(PaymentChannels channels_) {
        channels = channels_;
    }

    function claim(PaymentChannels.SignedVoucher[] calldata vouchers) external {
        delete stored;
        for (uint256 i; i < vouchers.length; ++i) {
            stored.push(vouchers[i]);
        }
        channels.claim(vouchers);
    }

    receive() external payable {
        received += msg.value;
        try channels.claim(stored) {}
        catch (bytes memory err) {
            reentryError = err;
        }
    }
}

/// @notice A payer whose refund hook tries to finalize again.
contract ReentrantPayer {
    PaymentChannels internal immutable channels;
    address internal immutable provider;
    bytes public reentryError;
    uint256 public received;

    constructor(PaymentChannels channels_, address provider_) {
        channels = channels_;
        provider = provider_;
    }

    function deposit() external payable {
        channels.deposit{value: msg.value}(provider);
    }

    function initiate() external {
        channels.initiateWithdraw(provider);
    }

    function finalize() external {
        channels.finalizeWithdraw(provider);
    }

    receive() external payable {
        received += msg.value;
        try channels.finalizeWithdraw(provider) {}
        catch (bytes memory err) {
            reentryError = err;
        }
    }
}

/// @notice A provider that refuses ETH: its claim must revert as a whole.
contract RefusingClaimer {
    function claim(PaymentChannels channels, PaymentChannels.SignedVoucher[] calldata vouchers) external {
        channels.claim(vouchers);
    }
}

contract PaymentChannelsTest is ChannelFixture {
    // ------------------------------------------------------------------ construction and views

    function test_constructor() public {
        assertEq(channels.withdrawDelay(), DELAY, "delay");
        vm.expectRevert(PaymentChannels.InvalidDelay.selector);
        new PaymentChannels(0);
    }

    function test_domainAndDigest_followEip712() public view {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Verity PaymentChannels"),
                keccak256("1"),
                block.chainid,
                address(channels)
            )
        );
        assertEq(channels.domainSeparator(), domain, "domain");
        bytes32 id = channels.channelIdOf(payer, provider);
        assertEq(id, keccak256(abi.encode(payer, provider)), "channel id");
        bytes32 structHash =
            keccak256(abi.encode(keccak256("Voucher(bytes32 channelId,uint256 cumulativeAmount)"), id, uint256(5)));
        assertEq(channels.voucherDigest(id, 5), keccak256(abi.encodePacked("\x19\x01", domain, structHash)), "digest");
    }

    // ------------------------------------------------------------------ deposit

    function testFuzz_deposit(uint256 a, uint256 b) public {
        a = bound(a, 1, 100 ether);
        b = bound(b, 1, 100 ether);
        bytes32 id = channels.channelIdOf(payer, provider);
        vm.expectEmit(true, true, true, true, address(channels));
        emit PaymentChannels.Deposited(id, payer, provider, a);
        vm.prank(payer);
        assertEq(channels.deposit{value: a}(provider), id, "id");
        vm.prank(payer);
        channels.deposit{value: b}(provider);
        assertEq(channels.channel(id).deposited, a + b, "deposited");
        assertEq(channels.balanceOf(id), a + b, "balance");
        assertEq(address(channels).balance, a + b, "held");
    }

    function test_deposit_reverts() public {
        bytes32 id = channels.channelIdOf(payer, provider);
        bytes32 before = _channelState(id);
        vm.expectRevert(PaymentChannels.ZeroValue.selector);
        vm.prank(payer);
        channels.deposit(provider);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidProvider.selector, address(0)));
        vm.prank(payer);
        channels.deposit{value: 1}(address(0));
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidProvider.selector, payer));
        vm.prank(payer);
        channels.deposit{value: 1}(payer);
        assertEq(_channelState(id), before, "state changed");
    }

    function test_deposit_revertsAboveUint128() public {
        uint256 big = uint256(type(uint128).max);
        _deposit(payer, provider, big);
        bytes32 id = channels.channelIdOf(payer, provider);
        vm.deal(payer, 1);
        bytes32 before = _channelState(id);
        vm.expectRevert(PaymentChannels.DepositTooLarge.selector);
        vm.prank(payer);
        channels.deposit{value: 1}(provider);
        assertEq(_channelState(id), before, "state changed");
    }

    // ------------------------------------------------------------------ claim

    function testFuzz_claim_paysIncreaseOnly(uint256 deposit, uint256 first, uint256 second) public {
        deposit = bound(deposit, 1, 100 ether);
        first = bound(first, 1, deposit);
        second = bound(second, first, 200 ether);
        bytes32 id = _deposit(payer, provider, deposit);
        PaymentChannels.SignedVoucher[] memory v1 = _one(_voucher(PAYER_KEY, id, first));
        vm.expectEmit(true, true, false, true, address(channels));
        emit PaymentChannels.Claimed(id, provider, first, first);
        vm.prank(provider);
        assertEq(channels.claim(v1), first, "first claim");
        assertEq(provider.balance, first, "paid first");
        uint256 cap = second < deposit ? second : deposit;
        PaymentChannels.SignedVoucher[] memory v2 = _one(_voucher(PAYER_KEY, id, second));
        if (cap > first) {
            vm.prank(provider);
            assertEq(channels.claim(v2), cap - first, "second claim pays the increase, capped at deposit");
        } else {
            vm.expectRevert(PaymentChannels.NothingToClaim.selector);
            vm.prank(provider);
            channels.claim(v2);
        }
        assertEq(provider.balance, cap, "total paid");
        assertEq(channels.channel(id).claimed, cap, "claimed");
        assertEq(channels.balanceOf(id), deposit - cap, "balance");
        // Re-submitting an old voucher pays nothing.
        bytes32 before = _channelState(id);
        vm.expectRevert(PaymentChannels.NothingToClaim.selector);
        vm.prank(provider);
        channels.claim(v1);
        assertEq(_channelState(id), before, "state changed");
    }

    function test_claim_manyChannelsInOneTransfer() public {
        uint256 n = 10;
        PaymentChannels.SignedVoucher[] memory list = new PaymentChannels.SignedVoucher[](n);
        uint256 expected;
        for (uint256 i; i < n; ++i) {
            uint256 key = 0x1000 + i;
            bytes32 id = _deposit(vm.addr(key), provider, 1 ether);
            list[i] = _voucher(key, id, (i + 1) * 0.01 ether);
            expected += (i + 1) * 0.01 ether;
        }
        vm.prank(provider);
        assertEq(channels.claim(list), expected, "total");
        assertEq(provider.balance, expected, "one payout");
        assertEq(address(channels).balance, n * 1 ether - expected, "rest held");
    }

    function test_claim_staleVoucherInBatchIsSkipped() public {
        bytes32 a = _deposit(payer, provider, 1 ether);
        uint256 otherKey = 0xB0B0;
        bytes32 b = _deposit(vm.addr(otherKey), provider, 1 ether);
        PaymentChannels.SignedVoucher[] memory claimed_ = _one(_voucher(PAYER_KEY, a, 0.5 ether));
        vm.prank(provider);
        channels.claim(claimed_);
        PaymentChannels.SignedVoucher[] memory list = new PaymentChannels.SignedVoucher[](2);
        list[0] = _voucher(PAYER_KEY, a, 0.5 ether); // stale
        list[1] = _voucher(otherKey, b, 0.2 ether);
        vm.prank(provider);
        assertEq(channels.claim(list), 0.2 ether, "only the fresh voucher pays");
    }

    function test_claim_reverts() public {
        bytes32 id = _deposit(payer, provider, 1 ether);
        bytes32 before = _channelState(id);
        PaymentChannels.SignedVoucher[] memory none = new PaymentChannels.SignedVoucher[](0);
        vm.expectRevert(PaymentChannels.NoVouchers.selector);
        vm.prank(provider);
        channels.claim(none);

        // Zero-amount voucher pays nothing.
        PaymentChannels.SignedVoucher[] memory zero = _one(_voucher(PAYER_KEY, id, 0));
        vm.expectRevert(PaymentChannels.NothingToClaim.selector);
        vm.prank(provider);
        channels.claim(zero);

        // Someone else submits the provider's voucher: the channel of (payer, caller) is another one.
        PaymentChannels.SignedVoucher[] memory good = _one(_voucher(PAYER_KEY, id, 0.1 ether));
        address thief = address(0x7E1F);
        vm.expectRevert(
            abi.encodeWithSelector(PaymentChannels.WrongChannel.selector, id, channels.channelIdOf(payer, thief))
        );
        vm.prank(thief);
        channels.claim(good);

        // A voucher signed by someone who is not the payer.
        uint256 strangerKey = 0x5778;
        PaymentChannels.SignedVoucher[] memory forged = _one(_voucher(strangerKey, id, 0.1 ether));
        bytes32 strangerChannel = channels.channelIdOf(vm.addr(strangerKey), provider);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.WrongChannel.selector, id, strangerChannel));
        vm.prank(provider);
        channels.claim(forged);

        // Malformed signatures.
        PaymentChannels.SignedVoucher[] memory bad = _one(_voucher(PAYER_KEY, id, 0.1 ether));
        bad[0].signature = bytes.concat(bad[0].signature, hex"00");
        vm.expectRevert(PaymentChannels.InvalidSignature.selector);
        vm.prank(provider);
        channels.claim(bad);
        bad = _one(_voucher(PAYER_KEY, id, 0.1 ether));
        bad[0].signature[64] = bytes1(uint8(30));
        vm.expectRevert(PaymentChannels.InvalidSignature.selector);
        vm.prank(provider);
        channels.claim(bad);
        bad = _one(_voucher(PAYER_KEY, id, 0.1 ether));
        (bytes32 r, bytes32 s, uint8 v) = _split(bad[0].signature);
        uint256 n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
        bad[0].signature = abi.encodePacked(r, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(PaymentChannels.InvalidSignature.selector);
        vm.prank(provider);
        channels.claim(bad);
        bad[0].signature = abi.encodePacked(bytes32(0), bytes32(0), uint8(27));
        vm.expectRevert(PaymentChannels.InvalidSignature.selector);
        vm.prank(provider);
        channels.claim(bad);
        assertEq(_channelState(id), before, "state changed");
    }

    function test_claim_acceptsVZeroOrOne() public {
        bytes32 id = _deposit(payer, provider, 1 ether);
        PaymentChannels.SignedVoucher[] memory list = _one(_voucher(PAYER_KEY, id, 0.1 ether));
        list[0].signature[64] = bytes1(uint8(list[0].signature[64]) - 27);
        vm.prank(provider);
        assertEq(channels.claim(list), 0.1 ether, "v in {0,1}");
    }

    function test_claim_voucherIsBoundToThisContract() public {
        PaymentChannels other = new PaymentChannels(DELAY);
        bytes32 id = _deposit(payer, provider, 1 ether);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(PAYER_KEY, other.voucherDigest(id, 0.1 ether));
        PaymentChannels.SignedVoucher[] memory list =
            _one(PaymentChannels.SignedVoucher(id, 0.1 ether, abi.encodePacked(r, s, v)));
        vm.expectRevert(); // recovers to an unrelated address: WrongChannel with an unpredictable expected id
        vm.prank(provider);
        channels.claim(list);
        assertEq(channels.channel(id).claimed, 0, "nothing claimed");
    }

    function test_claim_reentrancyIsBlocked() public {
        ReentrantClaimer evil = new ReentrantClaimer(channels);
        bytes32 id = _deposit(payer, address(evil), 2 ether);
        _deposit(vm.addr(0xD0D0), address(evil), 5 ether);
        PaymentChannels.SignedVoucher[] memory list = _one(_voucher(PAYER_KEY, id, 1 ether));
        evil.claim(list);
        assertEq(evil.received(), 1 ether, "paid once");
        assertEq(evil.reentryError(), abi.encodeWithSelector(PaymentChannels.Reentrancy.selector), "reentrancy");
        assertEq(address(channels).balance, 6 ether, "rest held");
    }

    function test_claim_refusedTransferRevertsEverything() public {
        RefusingClaimer refusing = new RefusingClaimer();
        bytes32 id = _deposit(payer, address(refusing), 1 ether);
        PaymentChannels.SignedVoucher[] memory list = _one(_voucher(PAYER_KEY, id, 0.3 ether));
        bytes32 before = keccak256(abi.encode(channels.channel(id), address(channels).balance));
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.TransferFailed.selector, address(refusing), 0.3 ether));
        refusing.claim(channels, list);
        assertEq(keccak256(abi.encode(channels.channel(id), address(channels).balance)), before, "state changed");
    }

    function _split(bytes memory sig) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
            v := byte(0, mload(add(sig, 96)))
        }
    }

    // ------------------------------------------------------------------ withdrawal

    function testFuzz_withdraw_providerCanClaimDuringDelay(uint256 deposit, uint256 owed) public {
        deposit = bound(deposit, 1, 100 ether);
        owed = bound(owed, 0, deposit);
        bytes32 id = _deposit(payer, provider, deposit);
        vm.expectEmit(true, true, false, true, address(channels));
        emit PaymentChannels.WithdrawInitiated(id, payer, block.timestamp + DELAY);
        vm.prank(payer);
        channels.initiateWithdraw(provider);
        vm.warp(block.timestamp + DELAY - 1);
        if (owed > 0) {
            PaymentChannels.SignedVoucher[] memory claimed_ = _one(_voucher(PAYER_KEY, id, owed));
            vm.prank(provider);
            channels.claim(claimed_);
        }
        vm.warp(block.timestamp + 1);
        uint256 before = payer.balance;
        vm.prank(payer);
        assertEq(channels.finalizeWithdraw(provider), deposit - owed, "refund is what is left");
        assertEq(payer.balance, before + deposit - owed, "refunded");
        assertEq(provider.balance, owed, "provider kept its due");
        assertEq(address(channels).balance, 0, "empty");
        // A voucher above what was paid cannot take the refunded funds.
        PaymentChannels.SignedVoucher[] memory more = _one(_voucher(PAYER_KEY, id, deposit + 1));
        vm.expectRevert(PaymentChannels.NothingToClaim.selector);
        vm.prank(provider);
        channels.claim(more);
    }

    function test_withdraw_reverts() public {
        bytes32 id = channels.channelIdOf(payer, provider);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.EmptyChannel.selector, id));
        vm.prank(payer);
        channels.initiateWithdraw(provider);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NoWithdrawPending.selector, id));
        vm.prank(payer);
        channels.finalizeWithdraw(provider);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NoWithdrawPending.selector, id));
        vm.prank(payer);
        channels.cancelWithdraw(provider);
        _deposit(payer, provider, 1 ether);
        vm.prank(payer);
        channels.initiateWithdraw(provider);
        bytes32 before = _channelState(id);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.WithdrawPending.selector, id));
        vm.prank(payer);
        channels.initiateWithdraw(provider);
        vm.expectRevert(
            abi.encodeWithSelector(PaymentChannels.WithdrawNotReady.selector, block.timestamp + DELAY, block.timestamp)
        );
        vm.prank(payer);
        channels.finalizeWithdraw(provider);
        assertEq(_channelState(id), before, "state changed");
    }

    function test_cancelWithdraw() public {
        bytes32 id = _deposit(payer, provider, 1 ether);
        vm.prank(payer);
        channels.initiateWithdraw(provider);
        vm.expectEmit(true, true, false, true, address(channels));
        emit PaymentChannels.WithdrawCancelled(id, payer);
        vm.prank(payer);
        channels.cancelWithdraw(provider);
        assertEq(channels.channel(id).withdrawReadyAt, 0, "cleared");
        vm.warp(block.timestamp + DELAY);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NoWithdrawPending.selector, id));
        vm.prank(payer);
        channels.finalizeWithdraw(provider);
    }

    function test_finalize_reentrancyIsBlocked() public {
        ReentrantPayer evil = new ReentrantPayer(channels, provider);
        evil.deposit{value: 1 ether}();
        _deposit(payer, provider, 3 ether);
        evil.initiate();
        vm.warp(block.timestamp + DELAY);
        evil.finalize();
        assertEq(evil.received(), 1 ether, "refunded once");
        // The re-entry is refused by the guard (it would otherwise find no pending withdrawal either).
        assertEq(evil.reentryError(), abi.encodeWithSelector(PaymentChannels.Reentrancy.selector), "reentrancy");
        assertEq(address(channels).balance, 3 ether, "others untouched");
    }

    function test_depositAfterWithdraw_reusesChannelWithoutReplay() public {
        bytes32 id = _deposit(payer, provider, 1 ether);
        PaymentChannels.SignedVoucher[] memory claimed_ = _one(_voucher(PAYER_KEY, id, 0.4 ether));
        vm.prank(provider);
        channels.claim(claimed_);
        vm.prank(payer);
        channels.initiateWithdraw(provider);
        vm.warp(block.timestamp + DELAY);
        vm.prank(payer);
        channels.finalizeWithdraw(provider);
        _deposit(payer, provider, 1 ether);
        // An old voucher (0.9) is worth 0.9 - 0.4 = 0.5 only if funded: cap = deposited 2 - withdrawn 0.6 = 1.4.
        // Cumulative amounts continue over the channel's life: the payer signs 0.4 + new usage from now on.
        PaymentChannels.SignedVoucher[] memory next = _one(_voucher(PAYER_KEY, id, 0.7 ether));
        vm.prank(provider);
        assertEq(channels.claim(next), 0.3 ether, "pays only above the cumulative already claimed");
    }
}
