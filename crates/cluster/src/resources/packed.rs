//! Each cached object's JSON, packed with zstd and a dictionary trained on its kind.
//!
//! Objects of one kind repeat most of their text: field names, images, conditions, owner
//! kinds. Compressed one by one, a 2.2 KB pod of the sim shrinks to about 900 bytes; with a
//! 16 KB dictionary trained on the kind's first 256 objects, to about 140. A cache keeps the
//! first objects as they are (they are the samples), trains the dictionary once it has enough of
//! them, and packs every object after that with it. The dictionary lives as long as the cache,
//! across re-lists. A kind with few objects never gets one and stays plain: it is small anyway.
//!
//! Unpacking costs a few microseconds; only details and searches of a kind's JSON pay it, never
//! lists, which read rows.

use std::cell::RefCell;
use std::io;
use std::sync::Arc;

use zstd::dict::{DecoderDictionary, EncoderDictionary};
use zstd::zstd_safe::{CCtx, DCtx};

/// Objects kept as they are before a dictionary is trained on them.
const SAMPLES: usize = 256;
/// Fewer samples than this, when a list ends, do not make a dictionary worth training.
const FEWEST_SAMPLES: usize = 16;
const DICTIONARY_BYTES: usize = 16 * 1024;
const LEVEL: i32 = 3;

/// One object's JSON as a cache keeps it; cheap to clone.
#[derive(Clone)]
pub struct PackedJson {
    bytes: Arc<[u8]>,
    /// The dictionary `bytes` were packed with; `None` when they are the JSON itself.
    dictionary: Option<Arc<Dictionary>>,
    /// The length of the JSON.
    len: u32,
}

impl std::fmt::Debug for PackedJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackedJson")
            .field("packed", &self.bytes.len())
            .field("len", &self.len)
            .finish()
    }
}

struct Dictionary {
    decoder: DecoderDictionary<'static>,
}

thread_local! {
    /// A decompression context per thread: making one allocates more than most objects hold.
    static CONTEXT: RefCell<DCtx<'static>> = RefCell::new(DCtx::create());
}

impl PackedJson {
    fn plain(json: Arc<[u8]>) -> Self {
        Self {
            len: u32::try_from(json.len()).unwrap_or(u32::MAX),
            bytes: json,
            dictionary: None,
        }
    }

    /// The object's JSON.
    pub fn unpack(&self) -> io::Result<Vec<u8>> {
        let Some(dictionary) = &self.dictionary else {
            return Ok(self.bytes.to_vec());
        };
        let mut json = Vec::with_capacity(self.len as usize);
        CONTEXT.with_borrow_mut(|context| {
            context
                .decompress_using_ddict(&mut json, &self.bytes, dictionary.decoder.as_ddict())
                .map_err(|code| {
                    io::Error::other(format!(
                        "a cached object could not be unpacked: {}",
                        zstd::zstd_safe::get_error_name(code)
                    ))
                })
        })?;
        Ok(json)
    }

    /// Bytes held for the object.
    #[cfg(test)]
    fn packed_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Packs the objects of one cache: keeps the first ones plain as samples, then packs with a
/// dictionary trained on them.
pub(crate) struct Packer {
    state: State,
}

enum State {
    Sampling(Vec<Arc<[u8]>>),
    Packing {
        dictionary: Arc<Dictionary>,
        encoder: EncoderDictionary<'static>,
        context: CCtx<'static>,
    },
    /// Training failed (samples too alike or too few): objects stay plain.
    Plain,
}

impl Default for Packer {
    fn default() -> Self {
        Self {
            state: State::Sampling(Vec::new()),
        }
    }
}

impl Packer {
    pub(crate) fn pack(&mut self, json: Vec<u8>) -> PackedJson {
        match &mut self.state {
            State::Sampling(samples) => {
                let json: Arc<[u8]> = json.into();
                samples.push(json.clone());
                if samples.len() >= SAMPLES {
                    self.train();
                }
                PackedJson::plain(json)
            }
            State::Packing {
                dictionary,
                encoder,
                context,
            } => {
                let mut packed = Vec::with_capacity(zstd::zstd_safe::compress_bound(json.len()));
                match context.compress_using_cdict(&mut packed, &json, encoder.as_cdict()) {
                    Ok(_) => PackedJson {
                        bytes: packed.into(),
                        dictionary: Some(dictionary.clone()),
                        len: u32::try_from(json.len()).unwrap_or(u32::MAX),
                    },
                    Err(_) => PackedJson::plain(json.into()),
                }
            }
            State::Plain => PackedJson::plain(json.into()),
        }
    }

    /// A list ended: a kind that has enough samples by now trains its dictionary, so that
    /// objects changed later are packed.
    pub(crate) fn listed(&mut self) {
        if matches!(&self.state, State::Sampling(samples) if samples.len() >= FEWEST_SAMPLES) {
            self.train();
        }
    }

    fn train(&mut self) {
        let State::Sampling(samples) = &self.state else {
            return;
        };
        let total: usize = samples.iter().map(|s| s.len()).sum();
        let size = (total / 10).clamp(1024, DICTIONARY_BYTES);
        let trained = zstd::dict::from_samples(samples, size).and_then(|bytes| {
            Ok((
                EncoderDictionary::try_copy(&bytes, LEVEL)?,
                DecoderDictionary::try_copy(&bytes)?,
            ))
        });
        self.state = match trained {
            Ok((encoder, decoder)) => State::Packing {
                dictionary: Arc::new(Dictionary { decoder }),
                encoder,
                context: CCtx::create(),
            },
            Err(error) => {
                tracing::debug!(%error, samples = samples.len(), "no dictionary; objects stay plain");
                State::Plain
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(index: usize) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("web-{index:05}"), "namespace": format!("team-{}", index % 7),
                         "uid": format!("{index:08x}-1b2c-4d5e-8f90-{:012x}", index * 7919),
                         "labels": {"app": "web", "pod-template-hash": format!("{:x}", index % 13)}},
            "spec": {"containers": [{"name": "web", "image": "registry.example/web:1.2.3",
                     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}],
                     "nodeName": format!("node-{}", index % 50)},
            "status": {"phase": "Running", "podIP": format!("10.1.{}.{}", index / 250, index % 250),
                       "conditions": [{"type": "Ready", "status": "True"}]}
        }))
        .expect("JSON")
    }

    #[test]
    fn every_object_unpacks_to_its_json_and_most_are_packed_smaller() {
        let mut packer = Packer::default();
        let objects: Vec<Vec<u8>> = (0..2_000).map(pod).collect();
        let packed: Vec<PackedJson> = objects.iter().map(|o| packer.pack(o.clone())).collect();
        for (object, packed) in objects.iter().zip(&packed) {
            assert_eq!(&packed.unpack().expect("unpacked"), object);
        }
        let after_samples = &packed[SAMPLES..];
        let plain: usize = objects[SAMPLES..].iter().map(Vec::len).sum();
        let held: usize = after_samples.iter().map(PackedJson::packed_len).sum();
        assert!(
            held * 4 < plain,
            "{held} bytes held for {plain} bytes of JSON"
        );
        assert!(packed[..SAMPLES].iter().all(|p| p.dictionary.is_none()));
    }

    #[test]
    fn a_small_kind_stays_plain_until_its_list_ends_with_enough_samples() {
        let mut packer = Packer::default();
        let first = packer.pack(pod(1));
        assert!(first.dictionary.is_none());
        packer.listed();
        assert!(
            packer.pack(pod(2)).dictionary.is_none(),
            "one sample trains nothing"
        );

        let mut packer = Packer::default();
        for index in 0..100 {
            packer.pack(pod(index));
        }
        packer.listed();
        let later = packer.pack(pod(500));
        assert!(later.dictionary.is_some(), "100 samples train a dictionary");
        assert_eq!(later.unpack().expect("unpacked"), pod(500));
    }

    #[test]
    fn unpacking_works_on_any_thread() {
        let mut packer = Packer::default();
        for index in 0..SAMPLES {
            packer.pack(pod(index));
        }
        let packed = packer.pack(pod(9_999));
        let unpacked = std::thread::spawn(move || packed.unpack().expect("unpacked"))
            .join()
            .expect("the thread");
        assert_eq!(unpacked, pod(9_999));
    }
}
