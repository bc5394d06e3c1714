//! `otcwatch extract`: one document in, one JSON object (or table row) per identifier out.
//! The output is a contract that other tools read: `kind`, `value`, `raw`, `otc`, `score`,
//! `context`, plus `span` and the optional `validation` and `warning`.

use super::UsageError;
use crate::extract::{self, Finding, Warninglist};
use crate::fetch::charset;
use crate::parse::Document;
use anyhow::Context;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Output format: one JSON object per line, or a table for people.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// The URL the document came from; printed with each finding.
    #[arg(long)]
    url: Option<String>,
    /// Also list, on stderr, the candidates that were rejected and why.
    #[arg(long)]
    explain: bool,
    /// An extra warninglist (TOML, same shape as config/warninglist.toml) of known non-accounts.
    #[arg(long, env = "OTCWATCH_WARNINGLIST")]
    warninglist: Option<PathBuf>,
    /// The document to read; `-` or nothing for standard input.
    #[arg(value_name = "FILE|-")]
    file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Jsonl,
    Table,
}

/// Refuse documents larger than this: 256 MiB is far beyond any page and keeps memory bounded.
const MAX_INPUT: u64 = 256 << 20;

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut warninglist = Warninglist::embedded();
    if let Some(path) = &args.warninglist {
        warninglist.extend_from_file(path).map_err(|e| UsageError(e.to_string()))?;
    }
    let bytes = read_input(args.file.as_ref())?;
    if looks_binary(&bytes) {
        return Err(UsageError(format!(
            "{} looks like a binary file (it has NUL bytes); extract reads HTML or text documents",
            input_name(args.file.as_ref())
        ))
        .into());
    }
    let decoded = charset::decode(&bytes, None);
    let doc = Document::parse(&decoded.text);
    let extraction = extract::findings(&doc, &warninglist);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Jsonl => write_jsonl(&mut out, &extraction.findings, args.url.as_deref())?,
        Format::Table => write_table(&mut out, &extraction.findings)?,
    }
    out.flush().or_else(super::ignore_broken_pipe)?;
    if args.explain {
        let mut err = std::io::stderr().lock();
        writeln!(err, "{} rejected candidates:", extraction.rejected.len())?;
        for rejected in &extraction.rejected {
            writeln!(err, "  {:?} at {:?}: {}", rejected.raw, rejected.span, rejected.reason)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_input(file: Option<&PathBuf>) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match file.filter(|path| path.as_os_str() != "-") {
        Some(path) => {
            let file = std::fs::File::open(path).map_err(|e| {
                UsageError(format!(
                    "cannot read {}: {e}; give a readable file or - for stdin",
                    path.display()
                ))
            })?;
            file.take(MAX_INPUT + 1)
                .read_to_end(&mut bytes)
                .with_context(|| format!("reading {}", path.display()))?;
        }
        None => {
            std::io::stdin()
                .take(MAX_INPUT + 1)
                .read_to_end(&mut bytes)
                .context("reading stdin")?;
        }
    }
    if bytes.len() as u64 > MAX_INPUT {
        return Err(UsageError(format!(
            "{} is larger than {} MiB; split it first",
            input_name(file),
            MAX_INPUT >> 20
        ))
        .into());
    }
    Ok(bytes)
}

fn input_name(file: Option<&PathBuf>) -> String {
    file.map_or_else(|| "stdin".to_owned(), |path| path.display().to_string())
}

/// A document with NUL bytes in its first 8 KiB and no UTF-16 byte-order mark is not text.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    !utf16 && head.contains(&0)
}

fn write_jsonl(
    out: &mut impl Write,
    findings: &[Finding],
    url: Option<&str>,
) -> anyhow::Result<()> {
    for finding in findings {
        let mut value = serde_json::to_value(finding)?;
        if let (Some(url), Some(object)) = (url, value.as_object_mut()) {
            object.insert("url".to_owned(), url.into());
        }
        serde_json::to_writer(&mut *out, &value)?;
        out.write_all(b"\n").or_else(super::ignore_broken_pipe)?;
    }
    Ok(())
}

fn write_table(out: &mut impl Write, findings: &[Finding]) -> anyhow::Result<()> {
    writeln!(out, "{:<10} {:<44} {:<5} {:>5}  CONTEXT", "KIND", "VALUE", "OTC", "SCORE")?;
    for f in findings {
        let otc = if f.otc { "yes" } else { "no" };
        let mut note = f.context.clone();
        if let Some(validation) = f.validation {
            note = format!("[{validation}] {note}");
        }
        if let Some(warning) = &f.warning {
            note = format!("[warninglist: {warning}] {note}");
        }
        writeln!(out, "{:<10} {:<44} {:<5} {:>5.2}  {}", f.kind, f.value, otc, f.score, note)
            .or_else(super::ignore_broken_pipe)?;
    }
    if findings.is_empty() {
        writeln!(out, "(no identifiers found)")?;
    }
    Ok(())
}
