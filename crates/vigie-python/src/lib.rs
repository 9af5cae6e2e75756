//! `import vigie`: Vigie's pipeline and store for Python.
//!
//! The extension module `vigie._vigie`; the package `vigie` (python/vigie) wraps it with
//! module-level functions and a pandas helper. Documents and events cross into Python as
//! the JSON Vigie writes (schema `vigie/1`, the export's columns), read by Python's `json`
//! module into dicts and lists. Analysis runs with the interpreter released, on every core
//! for a batch.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use vigie_core::Language;
use vigie_encoder::e5::MultilingualEncoder;
use vigie_heads::events::{EventHeadFiles, EventReader};
use vigie_heads::names::NameTagger;
use vigie_heads::reader::{HeadFiles, SentenceReader};
use vigie_ingest::{Extractor, RawArticle, parse_jsonl_line};
use vigie_pipeline::Pipeline;
use vigie_store::params::{FILTER_PARAMETERS, Params};
use vigie_store::{EventFilter, Location, Store, export};

/// Analyses articles into `vigie/1` documents: on the fast path (the embedded
/// dictionaries and statistical tagger) unless `encoder` names the multilingual
/// encoder's folder, whose name and event heads are then read from `models`.
#[pyclass(frozen, module = "vigie._vigie")]
struct Analyzer {
    pipeline: Pipeline<'static>,
    encoder: bool,
}

/// The language choice `lang` names: `None` or `"auto"` to identify it, `"fr"`, `"en"`.
fn language(lang: Option<&str>) -> PyResult<vigie_pipeline::Language> {
    use vigie_pipeline::Language as Choice;
    match lang.unwrap_or("auto") {
        "auto" => Ok(Choice::Auto),
        "fr" => Ok(Choice::Fixed(Language::Fr)),
        "en" => Ok(Choice::Fixed(Language::En)),
        other => Err(PyValueError::new_err(format!(
            "lang={other:?}: expected \"fr\", \"en\" or \"auto\""
        ))),
    }
}

/// Python's `json.loads` applied to `text`.
fn from_json(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    Ok(py
        .import("json")?
        .getattr("loads")?
        .call1((text,))?
        .unbind())
}

impl Analyzer {
    fn run(&self, raw: RawArticle) -> Result<String, String> {
        let document = self
            .pipeline
            .analyse(raw, Extractor::default())
            .map_err(|e| e.to_string())?;
        serde_json::to_string(&document).map_err(|e| e.to_string())
    }

    /// The article an item of `analyze_many` gives: a text (or HTML) string, or a dict
    /// with the fields of a JSONL record (`text` or `html`, `id`, `title`, `url`,
    /// `published`, `source`).
    fn article(item: &Bound<'_, PyAny>, index: usize) -> PyResult<Result<RawArticle, String>> {
        let name = format!("item {index}");
        if item.is_instance_of::<PyString>() {
            return Ok(Ok(RawArticle::text(name, item.extract::<String>()?)));
        }
        if item.is_instance_of::<PyDict>() {
            let json = item
                .py()
                .import("json")?
                .getattr("dumps")?
                .call1((item,))?
                .extract::<String>()?;
            return Ok(parse_jsonl_line(&name, &json).map_err(|e| e.to_string()));
        }
        Err(PyValueError::new_err(format!(
            "{name}: expected a str or a dict, got {}",
            item.get_type().name()?
        )))
    }
}

#[pymethods]
impl Analyzer {
    #[new]
    #[pyo3(signature = (*, encoder=None, models=None, lang=None))]
    fn new(
        encoder: Option<PathBuf>,
        models: Option<PathBuf>,
        lang: Option<&str>,
    ) -> PyResult<Self> {
        let pipeline = Pipeline::embedded(language(lang)?);
        let Some(encoder) = encoder else {
            return Ok(Analyzer {
                pipeline,
                encoder: false,
            });
        };
        let models = models.ok_or_else(|| {
            PyValueError::new_err(
                "encoder= needs models=, the folder of the heads (names-head.bin, \
                 triggers-head.bin, …: the repository's data/models)",
            )
        })?;
        let file = |default: &str| {
            models.join(
                std::path::Path::new(default)
                    .file_name()
                    .unwrap_or_default(),
            )
        };
        let (names, event_layer) = (
            file(NameTagger::DEFAULT_FILE),
            file(EventReader::DEFAULT_EVENT_LAYER),
        );
        let [triggers, attributes, arguments] = [
            EventReader::DEFAULT_TRIGGERS,
            EventReader::DEFAULT_ATTRIBUTES,
            EventReader::DEFAULT_ARGUMENTS,
        ]
        .map(|defaults| {
            defaults
                .iter()
                .map(|default| file(default))
                .collect::<Vec<_>>()
        });
        let files = HeadFiles {
            names: &names,
            events: Some(EventHeadFiles {
                triggers: &triggers,
                attributes: &attributes,
                arguments: &arguments,
                event_layer: &event_layer,
            }),
        };
        let reader = SentenceReader::load(&encoder, files).map_err(PyOSError::new_err)?;
        // Lives as long as the process, like the embedded data the pipeline reads.
        let reader: &'static SentenceReader = Box::leak(Box::new(reader));
        Ok(Analyzer {
            pipeline: pipeline.with_reader(reader),
            encoder: true,
        })
    }

    /// True when the multilingual encoder and its heads run (else the fast path).
    #[getter]
    fn uses_encoder(&self) -> bool {
        self.encoder
    }

    /// Analyses one article (plain text or HTML) into its `vigie/1` document, a dict.
    /// `published` (ISO 8601) anchors relative dates; `source` names the outlet.
    #[pyo3(signature = (text, *, published=None, source=None, url=None, title=None, id=None))]
    #[allow(clippy::too_many_arguments)]
    fn analyze(
        &self,
        py: Python<'_>,
        text: &str,
        published: Option<String>,
        source: Option<String>,
        url: Option<String>,
        title: Option<String>,
        id: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let mut raw = RawArticle::text(id.clone().unwrap_or_else(|| "text".into()), text);
        raw.id = id;
        raw.title = title;
        raw.url = url;
        raw.published = published;
        raw.source = source;
        let json = py.detach(|| self.run(raw)).map_err(PyValueError::new_err)?;
        from_json(py, &json)
    }

    /// Analyses many articles on `jobs` threads (default: one per core), keeping their
    /// order: a list of documents, where an item that cannot be analysed gives
    /// `{"id": "item N", "error": why}` and the others go on. Documents become Python
    /// objects as they are finished, while the rest are analysed.
    #[pyo3(signature = (items, *, jobs=None))]
    fn analyze_many(
        &self,
        py: Python<'_>,
        items: &Bound<'_, PyAny>,
        jobs: Option<usize>,
    ) -> PyResult<Py<PyList>> {
        let mut articles = Vec::new();
        for (index, item) in items.try_iter()?.enumerate() {
            articles.push(Mutex::new(Some(Self::article(&item?, index)?)));
        }
        let count = articles.len();
        let jobs = jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .clamp(1, count.max(1));
        let mut documents: Vec<Option<Py<PyAny>>> = (0..count).map(|_| None).collect();
        let next = AtomicUsize::new(0);
        let (finished, results) = mpsc::channel::<(usize, Result<String, String>)>();
        let _collector = GarbageCollectorPaused::pause(py)?;
        std::thread::scope(|scope| -> PyResult<()> {
            for _ in 0..jobs {
                let finished = finished.clone();
                let (articles, next) = (&articles, &next);
                // Workers never touch Python objects: they analyse while this thread
                // turns finished documents into Python objects.
                scope.spawn(move || {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(slot) = articles.get(index) else {
                            return;
                        };
                        let article = slot.lock().map(|mut a| a.take()).ok().flatten();
                        let result = match article {
                            Some(Ok(raw)) => self.run(raw),
                            Some(Err(error)) => Err(error),
                            None => Err("taken twice".into()),
                        };
                        if finished.send((index, result)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(finished);
            // (A receiver is not `Sync`; behind a lock it can be waited on detached.)
            let results = Mutex::new(results);
            let receive = || results.lock().map_err(|_| mpsc::RecvError)?.recv();
            while let Ok((index, result)) = py.detach(receive) {
                documents[index] = Some(match result {
                    Ok(json) => from_json(py, &json)?,
                    Err(error) => {
                        let failed = PyDict::new(py);
                        failed.set_item("id", format!("item {index}"))?;
                        failed.set_item("error", error)?;
                        failed.into_any().unbind()
                    }
                });
            }
            Ok(())
        })?;
        let list = PyList::empty(py);
        for (index, document) in documents.into_iter().enumerate() {
            let document = document.ok_or_else(|| {
                PyValueError::new_err(format!("item {index}: its analysis panicked"))
            })?;
            list.append(document)?;
        }
        Ok(list.unbind())
    }
}

/// Python's cyclic garbage collector, paused while many documents are built (their
/// containers would trigger a collection again and again, each walking every object
/// built so far) and resumed when dropped, if it ran before.
struct GarbageCollectorPaused<'py> {
    gc: Option<Bound<'py, PyModule>>,
}

impl<'py> GarbageCollectorPaused<'py> {
    fn pause(py: Python<'py>) -> PyResult<Self> {
        let gc = py.import("gc")?;
        if gc.call_method0("isenabled")?.extract::<bool>()? {
            gc.call_method0("disable")?;
            return Ok(GarbageCollectorPaused { gc: Some(gc) });
        }
        Ok(GarbageCollectorPaused { gc: None })
    }
}

impl Drop for GarbageCollectorPaused<'_> {
    fn drop(&mut self) {
        if let Some(gc) = &self.gc {
            // Nothing to do if it fails: the interpreter is shutting down.
            let _ = gc.call_method0("enable");
        }
    }
}

/// The events of the store at `db` (a SQLite file or a `postgres://` URL), one dict
/// per merged event with the columns of `vigie export` ([`EXPORT_COLUMNS`]), most
/// corroborated first. Keyword arguments filter as the HTTP API's `/api/events`
/// parameters do (`type`, `country`, `actor`, `q`, `from`, `to`, `min_sources` …);
/// `limit` caps the number of events (default: all).
#[pyfunction]
#[pyo3(signature = (db, *, limit=None, **filters))]
fn read_events(
    py: Python<'_>,
    db: &str,
    limit: Option<usize>,
    filters: Option<&Bound<'_, PyDict>>,
) -> PyResult<Py<PyAny>> {
    let mut params = Params::new();
    if let Some(filters) = filters {
        for (name, value) in filters.iter() {
            let name: String = name.extract()?;
            if !FILTER_PARAMETERS.contains(&name.as_str()) {
                return Err(PyValueError::new_err(format!(
                    "unknown filter {name}; filters: {}",
                    FILTER_PARAMETERS.join(", ")
                )));
            }
            if !value.is_none() {
                params.insert(name, value.str()?.to_string());
            }
        }
    }
    let location = Location::parse(db);
    let json = py
        .detach(|| -> Result<String, String> {
            let mut filter = EventFilter::from_params(&params).map_err(|e| e.to_string())?;
            filter.limit = limit.unwrap_or(usize::MAX);
            let store =
                Store::connect_read_only(&location).map_err(|e| format!("{location}: {e}"))?;
            let rows = store
                .events(&filter)
                .map_err(|e| format!("{location}: {e}"))?;
            let mut out = Vec::new();
            export::write_jsonl(&rows, &mut out).map_err(|e| e.to_string())?;
            let lines = String::from_utf8(out).map_err(|e| e.to_string())?;
            Ok(format!("[{}]", lines.trim_end().replace('\n', ",")))
        })
        .map_err(PyValueError::new_err)?;
    from_json(py, &json)
}

/// The module `vigie._vigie`.
#[pymodule]
fn _vigie(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Analyzer>()?;
    module.add_function(wrap_pyfunction!(read_events, module)?)?;
    module.add("EXPORT_COLUMNS", export::COLUMNS.to_vec())?;
    module.add("ENCODER_DIR", MultilingualEncoder::DEFAULT_DIR)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
