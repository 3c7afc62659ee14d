//! Marvin32, the keyed hash that guards each new-format log entry (regf-spec "Log entries",
//! notes 1-3). Hand-written because the only crate on crates.io (`marvin32` 0.1) returns the
//! folded 32-bit value, not the 64-bit one the registry stores, and is GPL-3.0-only.

/// The seed Windows uses for Hash-1 and Hash-2 of every log entry.
pub const LOG_ENTRY_SEED: u64 = 0x82EF_4D88_7A4E_55C5;

/// The 64-bit Marvin32 hash of `data`: the final `lo` state in the low half, `hi` in the high
/// half, as SymCrypt returns it.
pub fn marvin32(data: &[u8], seed: u64) -> u64 {
    let mut state = State {
        lo: seed as u32,
        hi: (seed >> 32) as u32,
    };
    let mut words = data.chunks_exact(4);
    for word in &mut words {
        state.mix(u32::from_le_bytes([word[0], word[1], word[2], word[3]]));
    }
    // The 0-3 trailing bytes are padded with a single 0x80 byte, little-endian.
    let tail = words
        .remainder()
        .iter()
        .rev()
        .fold(0x80u32, |acc, &b| (acc << 8) | u32::from(b));
    state.mix(tail);
    state.mix(0);
    (u64::from(state.hi) << 32) | u64::from(state.lo)
}

struct State {
    lo: u32,
    hi: u32,
}

impl State {
    fn mix(&mut self, value: u32) {
        self.lo = self.lo.wrapping_add(value);
        self.hi ^= self.lo;
        self.lo = self.lo.rotate_left(20).wrapping_add(self.hi);
        self.hi = self.hi.rotate_left(9) ^ self.lo;
        self.lo = self.lo.rotate_left(27).wrapping_add(self.hi);
        self.hi = self.hi.rotate_left(19);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SymCrypt's self-test vector (lib/marvin32.c) and the longer one from Microsoft's
    /// security-utilities test suite.
    #[test]
    fn symcrypt_vectors() {
        assert_eq!(
            marvin32(b"abc", 0xd53c_d9ce_cd08_93b7),
            0x22c7_4339_4927_69bf
        );
        assert_eq!(
            marvin32(b"abcdefghijklmnopqrstuvwxyz", 0x0ddd_deee_efff_f000),
            0xa128_eb7e_7260_aca2
        );
    }

    /// Vectors published with skeeto/marvin32 (also used by Microsoft's security-utilities),
    /// covering every tail length 0-3 and more than one word.
    #[test]
    fn published_vectors_every_tail_length() {
        let seed0 = 0x004f_b61a_001b_dbcc;
        let seed1 = 0x804f_b61a_001b_dbcc;
        let seed2 = 0x804f_b61a_801b_dbcc;
        let cases: &[(u64, &[u8], u64)] = &[
            (seed0, b"", 0x30ed_35c1_00cd_3c7d),
            (seed0, &[175], 0x48e7_3fc7_7d75_ddc1),
            (seed0, &[231, 15], 0xb5f6_e1fc_485d_bff8),
            (seed0, &[55, 244, 149], 0xf0b0_7c78_9b8c_f7e8),
            (seed0, &[134, 66, 220, 89], 0x7008_f2e8_7e9c_f556),
            (seed0, &[21, 63, 183, 152, 38], 0xe6c0_8c6d_a2af_a997),
            (seed0, &[9, 50, 230, 36, 108, 71], 0x6f04_bf1a_5ea2_4060),
            (
                seed0,
                &[171, 66, 126, 168, 209, 15, 199],
                0xe118_47e4_f067_8c41,
            ),
            (seed1, b"", 0x10a9_d5d3_996f_d65d),
            (seed1, &[175], 0x6820_1f91_960e_bf91),
            (
                seed1,
                &[171, 66, 126, 168, 209, 15, 199],
                0xe203_987d_ba25_2fb3,
            ),
            (seed2, &[0], 0xa37f_b0da_2eca_e06c),
            (seed2, &[255, 0, 255], 0x9d85_77c0_fe0d_30bf),
            (seed2, &[0, 255, 0, 255], 0x24ea_a279_d9a5_29ca),
            (seed2, &[255, 0, 255, 0, 255, 0, 255], 0xfdfd_187b_1d3c_e784),
        ];
        for &(seed, data, expected) in cases {
            assert_eq!(
                marvin32(data, seed),
                expected,
                "seed {seed:#x}, data {data:?}"
            );
        }
    }

    /// The registry seed, checked through the folded 32-bit form (lo ^ hi) that the `marvin32`
    /// crate's test suite publishes.
    #[test]
    fn registry_seed_folded_vector() {
        let h = marvin32(b"hello, world!", LOG_ENTRY_SEED);
        assert_eq!((h as u32) ^ ((h >> 32) as u32), 0x00c1_8515);
    }
}
