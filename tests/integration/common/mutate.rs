//! Seeded damage for the mutation campaign: the fields of a well-formed hive where damage does
//! harm (cell sizes, list counts and offsets, key and value fields, security cells, big-data
//! headers), found by a walk of its own (independent of the code under test), each with the
//! key it belongs to; and a reproducible way to damage one of them.

const BINS: usize = 0x1000;

/// One field of a hive that a mutation may damage.
#[derive(Debug, Clone)]
pub struct Field {
    /// File offset.
    pub offset: usize,
    /// 2 or 4 bytes.
    pub width: usize,
    /// What the field is, for messages (`nk.subkey_list`, `vk.data_size`, ...).
    pub what: &'static str,
    /// The key the field belongs to, from the root key.
    pub key: String,
}

impl Field {
    /// Whether the field belongs to a Winsock key (what a repair may rewrite).
    pub fn in_winsock_keys(&self) -> bool {
        let key = self.key.to_ascii_lowercase();
        key.contains(r"\services\winsock2") || key.contains(r"\services\winsock")
    }
}

/// A reproducible pseudo-random source (xorshift64*), so a seed names one campaign.
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What a mutation did, for the campaign's report.
#[derive(Debug, Clone)]
pub struct Mutation {
    pub field: Field,
    pub how: &'static str,
    pub before: u32,
    pub after: u32,
}

impl std::fmt::Display for Mutation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at {:#x} ({}) {}: {:#x} -> {:#x}",
            self.field.what, self.field.offset, self.field.key, self.how, self.before, self.after
        )
    }
}

/// Damage one field of `bytes`, chosen by `rng` among `fields` (inside the Winsock keys when
/// `inside`, else outside, where both exist): flip one or two bits, write another cell's
/// offset, or a random value. The value always changes.
pub fn mutate(bytes: &mut [u8], fields: &[Field], inside: bool, rng: &mut Seeded) -> Mutation {
    let pool: Vec<&Field> = fields
        .iter()
        .filter(|f| f.in_winsock_keys() == inside)
        .collect();
    let pool = if pool.is_empty() {
        fields.iter().collect()
    } else {
        pool
    };
    let field = pool[rng.below(pool.len())].clone();
    let before = read(bytes, &field);
    let mask = if field.width == 2 { 0xFFFF } else { u32::MAX };
    let (how, mut after) = match rng.below(4) {
        0 => (
            "one bit flipped",
            before ^ (1 << rng.below(field.width * 8)),
        ),
        1 => (
            "two bits flipped",
            before ^ (1 << rng.below(field.width * 8)) ^ (1 << rng.below(field.width * 8)),
        ),
        2 => {
            let other = pool[rng.below(pool.len())].offset;
            ("set to another field's cell", (other - BINS) as u32 & !7)
        }
        _ => ("set to a random value", rng.next() as u32),
    };
    after &= mask;
    if after == before {
        after = before ^ 1;
    }
    write(bytes, &field, after);
    Mutation {
        field,
        how,
        before,
        after,
    }
}

fn read(bytes: &[u8], field: &Field) -> u32 {
    let at = &bytes[field.offset..field.offset + field.width];
    if field.width == 2 {
        u32::from(u16::from_le_bytes([at[0], at[1]]))
    } else {
        u32::from_le_bytes([at[0], at[1], at[2], at[3]])
    }
}

fn write(bytes: &mut [u8], field: &Field, value: u32) {
    let at = &mut bytes[field.offset..field.offset + field.width];
    if field.width == 2 {
        at.copy_from_slice(&(value as u16).to_le_bytes());
    } else {
        at.copy_from_slice(&value.to_le_bytes());
    }
}

/// Every damageable field of the well-formed hive `bytes`.
pub fn fields(bytes: &[u8]) -> Vec<Field> {
    let mut walk = Walk {
        bytes,
        fields: Vec::new(),
        seen_sk: Vec::new(),
    };
    let root = u32_at(bytes, 0x24);
    // An explicit stack of (nk cell, path).
    let mut stack = vec![(root, String::new())];
    while let Some((nk, path)) = stack.pop() {
        for (child, name) in walk.key(nk, &path) {
            let child_path = if path.is_empty() {
                name
            } else {
                format!(r"{path}\{name}")
            };
            stack.push((child, child_path));
        }
    }
    walk.fields
}

struct Walk<'a> {
    bytes: &'a [u8],
    fields: Vec<Field>,
    seen_sk: Vec<u32>,
}

fn u16_at(bytes: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([bytes[off], bytes[off + 1]])
}

fn u32_at(bytes: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([bytes[off], bytes[off + 1], bytes[off + 2], bytes[off + 3]])
}

/// File offset of the data of the cell at hive offset `cell`.
fn data(cell: u32) -> usize {
    BINS + cell as usize + 4
}

impl Walk<'_> {
    fn add(&mut self, offset: usize, width: usize, what: &'static str, key: &str) {
        self.fields.push(Field {
            offset,
            width,
            what,
            key: key.to_string(),
        });
    }

    /// The size field of the cell at hive offset `cell`.
    fn cell_size(&mut self, cell: u32, what: &'static str, key: &str) {
        self.add(BINS + cell as usize, 4, what, key);
    }

    /// The size field of the cell at hive offset `cell` (named `size_name`) and its `fields`:
    /// offset in the cell's data, width, name.
    fn cell_fields(
        &mut self,
        cell: u32,
        size_name: &'static str,
        fields: &[(usize, usize, &'static str)],
        path: &str,
    ) {
        self.cell_size(cell, size_name, path);
        for &(off, width, what) in fields {
            self.add(data(cell) + off, width, what, path);
        }
    }

    /// The fields of key node `nk` and of its lists, values and security; its subkeys.
    fn key(&mut self, nk: u32, path: &str) -> Vec<(u32, String)> {
        let b = self.bytes;
        let at = data(nk);
        let fields = [
            (0x02, 2, "nk.flags"),
            (0x10, 4, "nk.parent"),
            (0x14, 4, "nk.subkey_count"),
            (0x1C, 4, "nk.subkey_list"),
            (0x24, 4, "nk.value_count"),
            (0x28, 4, "nk.value_list"),
            (0x2C, 4, "nk.security"),
            (0x30, 4, "nk.class"),
            (0x48, 2, "nk.name_len"),
            (0x4A, 2, "nk.class_len"),
        ];
        self.cell_fields(nk, "nk.cell_size", &fields, path);
        self.security(u32_at(b, at + 0x2C), path);
        self.values(u32_at(b, at + 0x24), u32_at(b, at + 0x28), path);
        let mut children = Vec::new();
        if u32_at(b, at + 0x14) > 0 {
            self.subkey_list(u32_at(b, at + 0x1C), path, &mut children);
        }
        children
    }

    fn security(&mut self, sk: u32, path: &str) {
        if self.seen_sk.contains(&sk) {
            return;
        }
        self.seen_sk.push(sk);
        let fields = [
            (0x04, 4, "sk.flink"),
            (0x08, 4, "sk.blink"),
            (0x0C, 4, "sk.reference_count"),
            (0x10, 4, "sk.descriptor_size"),
        ];
        self.cell_fields(sk, "sk.cell_size", &fields, path);
    }

    fn values(&mut self, count: u32, list: u32, path: &str) {
        if count == 0 {
            return;
        }
        self.cell_size(list, "value_list.cell_size", path);
        let b = self.bytes;
        for i in 0..count as usize {
            let slot = data(list) + 4 * i;
            self.add(slot, 4, "value_list.element", path);
            let vk = u32_at(b, slot);
            let fields = [
                (0x02, 2, "vk.name_len"),
                (0x04, 4, "vk.data_size"),
                (0x08, 4, "vk.data"),
                (0x0C, 4, "vk.type"),
                (0x10, 2, "vk.flags"),
            ];
            self.cell_fields(vk, "vk.cell_size", &fields, path);
            let at = data(vk);
            let size = u32_at(b, at + 0x04);
            if size & 0x8000_0000 != 0 || size == 0 {
                continue;
            }
            let cell = u32_at(b, at + 0x08);
            self.cell_size(cell, "value_data.cell_size", path);
            if &b[data(cell)..data(cell) + 2] == b"db" {
                self.add(data(cell) + 2, 2, "db.segment_count", path);
                self.add(data(cell) + 4, 4, "db.segment_list", path);
                let segments = u32_at(b, data(cell) + 4);
                self.cell_size(segments, "db.segment_list.cell_size", path);
                self.add(data(segments), 4, "db.segment", path);
            }
        }
    }

    fn subkey_list(&mut self, list: u32, path: &str, children: &mut Vec<(u32, String)>) {
        let b = self.bytes;
        let at = data(list);
        self.cell_size(list, "subkey_list.cell_size", path);
        self.add(at + 2, 2, "subkey_list.count", path);
        let signature = [b[at], b[at + 1]];
        let count = usize::from(u16_at(b, at + 2));
        let stride = if matches!(&signature, b"lf" | b"lh") {
            8
        } else {
            4
        };
        for i in 0..count {
            let slot = at + 4 + stride * i;
            self.add(slot, 4, "subkey_list.element", path);
            if stride == 8 {
                self.add(slot + 4, 4, "subkey_list.hash", path);
            }
            let cell = u32_at(b, slot);
            if &signature == b"ri" {
                self.subkey_list(cell, path, children);
            } else {
                children.push((cell, key_name(b, data(cell))));
            }
        }
    }
}

fn key_name(b: &[u8], nk: usize) -> String {
    let compressed = u16_at(b, nk + 0x02) & 0x20 != 0;
    let len = usize::from(u16_at(b, nk + 0x48));
    crate::common::patchable::stored_name(&b[nk + 0x4C..nk + 0x4C + len], compressed)
}
