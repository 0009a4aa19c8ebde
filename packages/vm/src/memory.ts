// Sparse paged memory with a lazily maintained keccak Merkle tree (§1.4).
//
// Pages are 4 KiB Int32Arrays (little-endian host, so word i holds bytes 4i..4i+3 in memory order). A page table
// maps page numbers to slots; slot 0 is a shared all-zero page that is never written, so loads need no branch.
// A page is a subtree of height 7 (128 leaves of 32 bytes). Above the pages, nodes of heights 7..27 are kept in one
// Map per height holding only subtrees that are not all zero. Stores only mark pages (or, on the reference path,
// leaves) dirty; `root()` rehashes what changed and the paths above. Each hashed page keeps its 127 inner nodes so
// proofs and single-leaf updates are cheap. Pages may be shared copy-on-write with snapshots (see checkpoint.ts).
import type { Block } from "./block-compiler.js";
import { hash64Into, hashPair, ZERO_HASHES } from "./hash.js";

/** Depth of the memory tree: 2^27 leaves of 32 bytes cover the 32-bit address space. */
export const MEMORY_DEPTH = 27;
/** Size in bytes of a memory proof: the leaf and 27 siblings. */
export const MEMORY_PROOF_SIZE = 32 * (MEMORY_DEPTH + 1);
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
const PAGE_WORDS = PAGE_SIZE >>> 2;
const PAGE_COUNT = 1 << (32 - PAGE_SHIFT);
const PAGE_HEIGHT = PAGE_SHIFT - 5; // 7

/** Per-page fast-store flag: the page is owned, already fully dirty and has no decode cache. */
export const FAST_STORE = 1;

/**
 * Cached decoded instructions of one code page, filled by the interpreter: `fields[i]` packs
 * `op | rd << 8 | rs1 << 16 | rs2 << 24` (0 = not decoded yet), `imm[i]` the immediate. `blocks[i]` is the block
 * (see block-compiler.ts) starting at word i, `covered[i]` is 1 when word i belongs to any of them; both are filled
 * by the block dispatcher and cleared entirely when a store hits a covered word.
 */
export interface DecodedPage {
  readonly fields: Int32Array;
  readonly imm: Int32Array;
  readonly blocks: (Block | undefined)[];
  readonly covered: Uint8Array;
}

/** What a snapshot of memory holds (pages are shared copy-on-write). */
export interface MemorySnapshot {
  /** Page numbers of the allocated pages, parallel to `pages`. */
  readonly pageNumbers: Int32Array;
  readonly pages: readonly Int32Array[];
  /** Upper-tree levels, shared with the memory until either side changes them (copy-on-write too). */
  readonly levels: readonly ReadonlyMap<number, Uint8Array>[];
  readonly dirty: readonly number[];
}

/** Sparse 32-bit address space with Merkle root and proofs. */
export class Memory {
  /** Page number -> slot (0: untouched all-zero page). */
  readonly slotOf = new Int32Array(PAGE_COUNT);
  /** Slot -> page words. Slot 0 is the shared zero page. */
  readonly slotPages: Int32Array[] = [new Int32Array(PAGE_WORDS)];
  /** Per page number: FAST_STORE when an inline store may skip bookkeeping (see `storeSlow`). */
  readonly fast = new Uint8Array(PAGE_COUNT);
  /** Slot -> page number. */
  private slotPage: number[] = [-1];
  /** Slot -> decode cache, managed by the interpreter; invalidated here on stores. */
  private slotDecoded: (DecodedPage | undefined)[] = [undefined];
  /** Slot -> cached inner nodes of the page subtree (heap order, node k at bytes 32k, k = 1..127). */
  private slotTree: (Uint8Array | undefined)[] = [undefined];
  /** Slot -> dirty leaf bitmap (reference-path stores). */
  private slotDirtyLeaves: Uint32Array[] = [new Uint32Array(4)];
  /** Slot -> 1 when the page may have changed anywhere (fast path), so it is rehashed entirely. */
  private slotFullyDirty: number[] = [0];
  /** Slot -> 1 when the page array is shared with a snapshot. */
  private slotShared: number[] = [0];
  private readonly isDirty = new Uint8Array(PAGE_COUNT);
  private dirtyList: number[] = [];
  /** levels[h] for h = 7..27: node index at height h -> node, only for non-zero subtrees. */
  private levels: Map<number, Uint8Array>[] = [];
  /** Whether `levels` is shared with a snapshot (then copied before the next change). */
  private levelsShared = false;
  /** Incremented whenever a store drops compiled blocks (a running block checks it after its slow-path stores). */
  codeEpoch = 0;

  constructor() {
    for (let h = 0; h <= MEMORY_DEPTH; h++) this.levels.push(new Map());
  }

  /** Number of pages allocated (written or loaded). */
  get pageCount(): number {
    return this.slotPage.length - 1;
  }

  /** Reads the 32-bit word at 4-aligned `addr` (as i32). */
  loadWord(addr: number): number {
    return this.slotPages[this.slotOf[addr >>> PAGE_SHIFT]][(addr & (PAGE_SIZE - 1)) >>> 2];
  }

  /** Reads the byte at `addr`. */
  loadByte(addr: number): number {
    return (this.loadWord(addr & ~3) >>> ((addr & 3) << 3)) & 0xff;
  }

  /** Writes the 32-bit word `value` at 4-aligned `addr` (reference path: tracks the dirty leaf precisely). */
  storeWord(addr: number, value: number): void {
    const pi = addr >>> PAGE_SHIFT;
    const wi = (addr & (PAGE_SIZE - 1)) >>> 2;
    const slot = this.prepareStore(pi, wi);
    if (this.slotFullyDirty[slot] === 0) this.slotDirtyLeaves[slot][wi >>> 8] |= 1 << ((wi >>> 3) & 31);
    this.slotPages[slot][wi] = value;
  }

  /** Writes one byte at `addr`. */
  storeByte(addr: number, value: number): void {
    const sh = (addr & 3) << 3;
    const w = this.loadWord(addr & ~3);
    this.storeWord(addr & ~3, (w & ~(0xff << sh)) | ((value & 0xff) << sh));
  }

  /** Copies `bytes` to memory at `addr`. */
  writeBytes(addr: number, bytes: Uint8Array): void {
    let i = 0;
    // Whole aligned words first (the loader copies large segments).
    while (i < bytes.length && ((addr + i) & 3) !== 0) this.storeByte((addr + i) >>> 0, bytes[i++]);
    for (; i + 4 <= bytes.length; i += 4) {
      const a = (addr + i) >>> 0;
      const slot = this.prepareStore(a >>> PAGE_SHIFT, (a & (PAGE_SIZE - 1)) >>> 2);
      this.slotFullyDirty[slot] = 1;
      this.slotPages[slot][(a & (PAGE_SIZE - 1)) >>> 2] =
        bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    }
    for (; i < bytes.length; i++) this.storeByte((addr + i) >>> 0, bytes[i]);
  }

  /** Reads `len` bytes at `addr`. */
  readBytes(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.loadByte((addr + i) >>> 0);
    return out;
  }

  /**
   * Bookkeeping before an inline store of the interpreter's fast path to page `pi`, word `wi`: allocates or
   * un-shares the page, marks it dirty (rehashed entirely at the next `root()`), drops the decoded instruction at
   * that word. Afterwards `slotPages[slotOf[pi]]` is writable.
   */
  storeSlow(pi: number, wi: number): void {
    const slot = this.prepareStore(pi, wi);
    this.slotFullyDirty[slot] = 1;
    if (this.slotDecoded[slot] === undefined) this.fast[pi] = FAST_STORE;
  }

  private prepareStore(pi: number, wi: number): number {
    let slot = this.slotOf[pi];
    if (slot === 0) slot = this.allocate(pi, new Int32Array(PAGE_WORDS), false);
    else if (this.slotShared[slot] === 1) {
      this.slotPages[slot] = this.slotPages[slot].slice();
      this.slotShared[slot] = 0;
    }
    if (this.isDirty[pi] === 0) {
      this.isDirty[pi] = 1;
      this.dirtyList.push(pi);
    }
    const dec = this.slotDecoded[slot];
    if (dec !== undefined) {
      dec.fields[wi] = 0;
      // Code changed under a block: drop every block of the page (they are cheap to find again).
      if (dec.covered[wi] !== 0) {
        dec.covered.fill(0);
        dec.blocks.fill(undefined);
        this.codeEpoch++;
      }
    }
    return slot;
  }

  private allocate(pi: number, page: Int32Array, shared: boolean): number {
    const slot = this.slotPages.length;
    this.slotOf[pi] = slot;
    this.slotPages.push(page);
    this.slotPage.push(pi);
    this.slotDecoded.push(undefined);
    this.slotTree.push(undefined);
    this.slotDirtyLeaves.push(new Uint32Array(4));
    this.slotFullyDirty.push(0);
    this.slotShared.push(shared ? 1 : 0);
    return slot;
  }

  /** The decode cache of page `pi`, created (and the page allocated) if missing. */
  decodedPage(pi: number, create: () => DecodedPage): DecodedPage {
    let slot = this.slotOf[pi];
    if (slot === 0) slot = this.allocate(pi, new Int32Array(PAGE_WORDS), false);
    let dec = this.slotDecoded[slot];
    if (dec === undefined) {
      dec = create();
      this.slotDecoded[slot] = dec;
      this.fast[pi] = 0;
    }
    return dec;
  }

  /** Merkle root of the whole memory; rehashes only what changed since the last call. */
  root(): Uint8Array {
    if (this.dirtyList.length > 0) this.flush();
    return this.levels[MEMORY_DEPTH].get(0) ?? ZERO_HASHES[MEMORY_DEPTH];
  }

  private flush(): void {
    if (this.levelsShared) {
      this.levels = this.levels.map((m) => new Map(m));
      this.levelsShared = false;
    }
    let indices = this.dirtyList;
    this.dirtyList = [];
    const pageLevel = this.levels[PAGE_HEIGHT];
    for (const pi of indices) {
      this.isDirty[pi] = 0;
      this.fast[pi] = 0;
      pageLevel.set(pi, this.rehashPage(this.slotOf[pi]));
    }
    indices.sort((x, y) => x - y);
    for (let h = PAGE_HEIGHT; h < MEMORY_DEPTH; h++) {
      const below = this.levels[h];
      const above = this.levels[h + 1];
      const z = ZERO_HASHES[h];
      const parents: number[] = [];
      let last = -1;
      for (const i of indices) {
        const parent = i >>> 1;
        if (parent === last) continue;
        last = parent;
        parents.push(parent);
        above.set(parent, hashPair(below.get(parent * 2) ?? z, below.get(parent * 2 + 1) ?? z));
      }
      indices = parents;
    }
  }

  /** Brings the page's subtree cache up to date and returns the page root. */
  private rehashPage(slot: number): Uint8Array {
    const page = this.slotPages[slot];
    const bytes = new Uint8Array(page.buffer, page.byteOffset, PAGE_SIZE);
    let tree = this.slotTree[slot];
    const bits = this.slotDirtyLeaves[slot];
    if (tree === undefined || this.slotFullyDirty[slot] === 1) {
      tree = pageTree(bytes, tree);
      this.slotTree[slot] = tree;
    } else {
      for (let q = 0; q < 4; q++) {
        let word = bits[q];
        while (word !== 0) {
          const bit = 31 - Math.clz32(word);
          word &= ~(1 << bit);
          const pair = (q * 32 + bit) >>> 1;
          let k = 64 + pair;
          hash64Into(bytes, pair * 64, tree, k * 32);
          for (k >>>= 1; k >= 1; k >>>= 1) hash64Into(tree, 2 * k * 32, tree, k * 32);
        }
      }
    }
    this.slotFullyDirty[slot] = 0;
    bits.fill(0);
    return tree.slice(32, 64);
  }

  /** The 896-byte memory proof of leaf `leafIndex` (§1.4): the leaf, then 27 siblings bottom-up. */
  proof(leafIndex: number): Uint8Array {
    this.root();
    const out = new Uint8Array(MEMORY_PROOF_SIZE);
    const pi = leafIndex >>> PAGE_HEIGHT;
    const slot = this.slotOf[pi];
    const li = leafIndex & 127;
    if (slot !== 0) {
      const page = this.slotPages[slot];
      const bytes = new Uint8Array(page.buffer, page.byteOffset, PAGE_SIZE);
      let tree = this.slotTree[slot];
      if (tree === undefined) {
        tree = pageTree(bytes);
        this.slotTree[slot] = tree;
      }
      out.set(bytes.subarray(li * 32, li * 32 + 32), 0);
      out.set(bytes.subarray((li ^ 1) * 32, (li ^ 1) * 32 + 32), 32);
      let k = 64 + (li >>> 1);
      for (let h = 1; h < PAGE_HEIGHT; h++) {
        const sib = k ^ 1;
        out.set(tree.subarray(sib * 32, sib * 32 + 32), 32 * (h + 1));
        k >>>= 1;
      }
    } else {
      for (let h = 0; h < PAGE_HEIGHT; h++) out.set(ZERO_HASHES[h], 32 * (h + 1));
    }
    let idx = pi;
    for (let h = PAGE_HEIGHT; h < MEMORY_DEPTH; h++) {
      out.set(this.levels[h].get(idx ^ 1) ?? ZERO_HASHES[h], 32 * (h + 1));
      idx >>>= 1;
    }
    return out;
  }

  /** Captures the memory for a later `restore`; pages and upper-tree levels become shared copy-on-write. */
  snapshot(): MemorySnapshot {
    const n = this.slotPages.length - 1;
    const pageNumbers = new Int32Array(n);
    const pages: Int32Array[] = new Array(n);
    for (let slot = 1; slot <= n; slot++) {
      const pi = this.slotPage[slot];
      pageNumbers[slot - 1] = pi;
      pages[slot - 1] = this.slotPages[slot];
      this.slotShared[slot] = 1;
      this.fast[pi] = 0;
    }
    this.levelsShared = true;
    return { pageNumbers, pages, levels: this.levels, dirty: this.dirtyList.slice() };
  }

  /** Restores a snapshot taken from a memory of the same program; drops all decode and subtree caches. */
  restore(s: MemorySnapshot): void {
    for (let slot = 1; slot < this.slotPages.length; slot++) {
      const pi = this.slotPage[slot];
      this.slotOf[pi] = 0;
      this.fast[pi] = 0;
      this.isDirty[pi] = 0;
    }
    for (const pi of this.dirtyList) this.isDirty[pi] = 0;
    this.slotPages.length = 1;
    this.slotPage = [-1];
    this.slotDecoded = [undefined];
    this.slotTree = [undefined];
    this.slotDirtyLeaves = [new Uint32Array(4)];
    this.slotFullyDirty = [0];
    this.slotShared = [0];
    for (let i = 0; i < s.pages.length; i++) this.allocate(s.pageNumbers[i], s.pages[i], true);
    this.levels = s.levels as Map<number, Uint8Array>[];
    this.levelsShared = true;
    this.dirtyList = s.dirty.slice();
    for (const pi of this.dirtyList) {
      this.isDirty[pi] = 1;
      this.slotFullyDirty[this.slotOf[pi]] = 1;
    }
  }
}

/** Inner nodes of a page subtree in heap order (node k at bytes 32k; k = 1..127), into `into` if given. */
function pageTree(bytes: Uint8Array, into?: Uint8Array): Uint8Array {
  const nodes = into ?? new Uint8Array(128 * 32);
  // Height-1 nodes (heap 64..127) hash 64 consecutive page bytes.
  for (let k = 64; k < 128; k++) hash64Into(bytes, (k - 64) * 64, nodes, k * 32);
  for (let k = 63; k >= 1; k--) hash64Into(nodes, 2 * k * 32, nodes, k * 32);
  return nodes;
}
