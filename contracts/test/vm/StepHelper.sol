// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "../utils/Test.sol";
import {RiscVStep} from "../../src/vm/RiscVStep.sol";

/// @notice Test base for RiscVStep: a sparse memory model (a handful of non-zero leaves over zero subtrees) that
///         yields roots and 896-byte memory proofs, state encodings built field by field (independently of
///         StateCodec), instruction encoders, and chunk trees for input and oracle blobs.
abstract contract StepHelper is Test {
    event log_named_uint(string key, uint256 val);

    RiscVStep internal stepper;

    uint256 internal constant PC0 = 0x1000;
    uint256 internal constant MEM_LIMIT = 0x100000;

    bytes32[33] internal zero;
    uint256[] internal leafIndex;
    bytes32[] internal leafValue;

    function setUp() public virtual {
        stepper = new RiscVStep();
        for (uint256 h = 1; h <= 32; h++) {
            zero[h] = keccak256(abi.encodePacked(zero[h - 1], zero[h - 1]));
        }
    }

    // ---------------------------------------------------------------- sparse memory

    function leafOf(uint256 index) internal view returns (bytes32) {
        for (uint256 i = 0; i < leafIndex.length; i++) {
            if (leafIndex[i] == index) return leafValue[i];
        }
        return bytes32(0);
    }

    function setLeaf(uint256 index, bytes32 value) internal {
        for (uint256 i = 0; i < leafIndex.length; i++) {
            if (leafIndex[i] == index) {
                leafValue[i] = value;
                return;
            }
        }
        leafIndex.push(index);
        leafValue.push(value);
    }

    /// @dev Writes bytes at `addr` in memory order (little-endian data goes in as its byte sequence).
    function poke(uint256 addr, bytes memory data) internal {
        for (uint256 i = 0; i < data.length; i++) {
            uint256 a = addr + i;
            bytes32 leaf = leafOf(a >> 5);
            uint256 shift = (31 - (a & 31)) * 8;
            leaf = bytes32((uint256(leaf) & ~(uint256(0xff) << shift)) | (uint256(uint8(data[i])) << shift));
            setLeaf(a >> 5, leaf);
        }
    }

    function pokeWord(uint256 addr, uint256 word) internal {
        poke(addr, le32(word));
    }

    function le32(uint256 v) internal pure returns (bytes memory) {
        return abi.encodePacked(uint8(v), uint8(v >> 8), uint8(v >> 16), uint8(v >> 24));
    }

    /// @dev Node at `height` and `position` of the memory tree.
    function node(uint256 height, uint256 position) internal view returns (bytes32) {
        bool any;
        for (uint256 i = 0; i < leafIndex.length; i++) {
            if (leafIndex[i] >> height == position) any = true;
        }
        if (!any) return zero[height];
        if (height == 0) return leafOf(position);
        return keccak256(abi.encodePacked(node(height - 1, 2 * position), node(height - 1, 2 * position + 1)));
    }

    function memRoot() internal view returns (bytes32) {
        return node(27, 0);
    }

    function memProof(uint256 addr) internal view returns (bytes memory p) {
        uint256 index = addr >> 5;
        p = abi.encodePacked(leafOf(index));
        for (uint256 k = 0; k < 27; k++) {
            p = abi.encodePacked(p, node(k, (index >> k) ^ 1));
        }
    }

    // ---------------------------------------------------------------- chunk trees (§1.6)

    function chunkDepth(uint256 len) internal pure returns (uint256 d) {
        uint256 c = len == 0 ? 1 : (len + 31) / 32;
        while ((1 << d) < c) d++;
    }

    function chunkOf(bytes memory b, uint256 index) internal pure returns (bytes32 c) {
        bytes memory out = new bytes(32);
        for (uint256 i = 0; i < 32; i++) {
            if (index * 32 + i < b.length) out[i] = b[index * 32 + i];
        }
        c = bytes32(out);
    }

    function chunkNode(bytes memory b, uint256 height, uint256 position) internal view returns (bytes32) {
        if ((position << height) * 32 >= b.length && !(b.length == 0 && position == 0)) return zero[height];
        if (height == 0) return chunkOf(b, position);
        return
            keccak256(
                abi.encodePacked(chunkNode(b, height - 1, 2 * position), chunkNode(b, height - 1, 2 * position + 1))
            );
    }

    function chunkRootOf(bytes memory b) internal view returns (bytes32) {
        return chunkNode(b, chunkDepth(b.length), 0);
    }

    function chunkProofOf(bytes memory b, uint256 index) internal view returns (bytes memory p) {
        p = abi.encodePacked(chunkOf(b, index));
        uint256 d = chunkDepth(b.length);
        for (uint256 k = 0; k < d; k++) {
            p = abi.encodePacked(p, chunkNode(b, k, (index >> k) ^ 1));
        }
    }

    // ---------------------------------------------------------------- state encoding (§1.3)

    function newState() internal pure returns (bytes memory st) {
        st = new bytes(329);
        setU(st, 160, 4, PC0);
        setU(st, 172, 8, 1_000_000);
        setU(st, 180, 4, MEM_LIMIT);
        setU(st, 196, 4, 4096);
    }

    function setU(bytes memory st, uint256 off, uint256 size, uint256 v) internal pure {
        for (uint256 i = 0; i < size; i++) {
            st[off + i] = bytes1(uint8(v >> (8 * (size - 1 - i))));
        }
    }

    function getU(bytes memory st, uint256 off, uint256 size) internal pure returns (uint256 v) {
        for (uint256 i = 0; i < size; i++) {
            v = (v << 8) | uint8(st[off + i]);
        }
    }

    function setW(bytes memory st, uint256 off, bytes32 w) internal pure {
        for (uint256 i = 0; i < 32; i++) {
            st[off + i] = w[i];
        }
    }

    function setReg(bytes memory st, uint256 r, uint256 v) internal pure {
        setU(st, 205 + 4 * (r - 1), 4, v & 0xffffffff);
    }

    function getReg(bytes memory st, uint256 r) internal pure returns (uint256) {
        return r == 0 ? 0 : getU(st, 205 + 4 * (r - 1), 4);
    }

    function copy(bytes memory b) internal pure returns (bytes memory) {
        return abi.encodePacked(b);
    }

    function hashOf(bytes memory st) internal pure returns (bytes32 h) {
        h = keccak256(st);
        h = bytes32((uint256(h) & (type(uint256).max >> 8)) | (uint256(uint8(st[204])) << 248));
    }

    /// @dev The pre-state with `memRoot` set to the current sparse memory.
    function withRoot(bytes memory st) internal view returns (bytes memory) {
        setW(st, 0, memRoot());
        return st;
    }

    /// @dev The expected post-state of a completed instruction: pc moved, step + 1, memRoot of current memory.
    function advanced(bytes memory pre, uint256 nextPc) internal view returns (bytes memory post) {
        post = copy(pre);
        setU(post, 160, 4, nextPc);
        setU(post, 164, 8, getU(pre, 164, 8) + 1);
        setW(post, 0, memRoot());
    }

    function halted(bytes memory pre, uint256 status) internal pure returns (bytes memory post) {
        post = copy(pre);
        post[204] = bytes1(uint8(status));
    }

    function expectPost(bytes memory pre, bytes memory proof, bytes memory post, string memory what) internal view {
        assertEq(stepper.step(pre, proof), hashOf(post), what);
    }

    /// @dev Gas of one `step` call, measured around the external call.
    function gasOf(bytes memory pre, bytes memory proof) internal view returns (uint256 used) {
        uint256 before = gasleft();
        stepper.step(pre, proof);
        used = before - gasleft();
    }

    // ---------------------------------------------------------------- instruction encoders

    function rType(uint256 f7, uint256 rs2, uint256 rs1, uint256 f3, uint256 rd, uint256 op)
        internal
        pure
        returns (uint256)
    {
        return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
    }

    function iType(int256 imm, uint256 rs1, uint256 f3, uint256 rd, uint256 op) internal pure returns (uint256) {
        return ((uint256(imm) & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
    }

    function sType(int256 imm, uint256 rs2, uint256 rs1, uint256 f3) internal pure returns (uint256) {
        uint256 i = uint256(imm) & 0xfff;
        return ((i >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((i & 31) << 7) | 0x23;
    }

    function bType(int256 imm, uint256 rs2, uint256 rs1, uint256 f3) internal pure returns (uint256) {
        uint256 i = uint256(imm) & 0x1fff;
        return (((i >> 12) & 1) << 31) | (((i >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12)
            | (((i >> 1) & 0xf) << 8) | (((i >> 11) & 1) << 7) | 0x63;
    }

    function jType(int256 imm, uint256 rd) internal pure returns (uint256) {
        uint256 i = uint256(imm) & 0x1fffff;
        return (((i >> 20) & 1) << 31) | (((i >> 1) & 0x3ff) << 21) | (((i >> 11) & 1) << 20)
            | (((i >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
    }

    /// @dev A state whose pc holds `insn`, with memory root set; the proof is the instruction leaf proof.
    function program(uint256 insn) internal returns (bytes memory pre) {
        pokeWord(PC0, insn);
        pre = withRoot(newState());
    }
}
