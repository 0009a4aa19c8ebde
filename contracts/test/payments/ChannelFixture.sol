// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {PaymentChannels} from "../../src/payments/PaymentChannels.sol";

/// @notice Shared deployment and voucher signing for payment-channel tests.
abstract contract ChannelFixture is Test {
    PaymentChannels internal channels;
    uint64 internal constant DELAY = 1 days;

    uint256 internal constant PAYER_KEY = 0xA11CE;
    address internal payer;
    address internal provider = address(0x9209);

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        channels = new PaymentChannels(DELAY);
        payer = vm.addr(PAYER_KEY);
        vm.deal(payer, 1000 ether);
    }

    function _deposit(address from, address to, uint256 amount) internal returns (bytes32 id) {
        vm.deal(from, from.balance + amount);
        vm.prank(from);
        id = channels.deposit{value: amount}(to);
    }

    function _voucher(uint256 key, bytes32 channelId, uint256 cumulative)
        internal
        view
        returns (PaymentChannels.SignedVoucher memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, channels.voucherDigest(channelId, cumulative));
        return PaymentChannels.SignedVoucher(channelId, cumulative, abi.encodePacked(r, s, v));
    }

    function _one(PaymentChannels.SignedVoucher memory v)
        internal
        pure
        returns (PaymentChannels.SignedVoucher[] memory list)
    {
        list = new PaymentChannels.SignedVoucher[](1);
        list[0] = v;
    }

    function _channelState(bytes32 id) internal view returns (bytes32) {
        return keccak256(abi.encode(channels.channel(id), address(channels).balance, payer.balance, provider.balance));
    }
}
