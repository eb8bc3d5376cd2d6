//! Parsing large topology files on several cores.
//!
//! A topology file is a block mapping of sections, most of them long block
//! sequences (`network_interfaces:`, `security_groups:`, …). Such a file can
//! be cut at item boundaries into chunks that are each a valid topology file
//! on their own; the chunks are parsed in parallel and their sections
//! concatenated. Line numbers stay exact because every chunk is padded with
//! blank lines so that its text sits on the same lines as in the original.
//!
//! This is an optimisation only. It declines (returns `None`) on anything it
//! does not recognise — directives, document markers, a top level that is not
//! a plain block mapping — and whenever a chunk fails to parse or two chunks
//! define the same single-valued section; the caller then parses the whole
//! text serially, which also produces the canonical error message. Tests
//! assert that both paths give identical results.

use serde_saphyr::Options;

use super::format::TopologyFile;

/// Files smaller than this are parsed serially: threads would not pay off.
pub const MIN_PARALLEL_BYTES: usize = 256 * 1024;

/// A top-level section: its key and where its text starts.
struct Section<'a> {
    key: &'a str,
    /// Byte offset of the `key:` line.
    start: usize,
    /// 0-based line number of the `key:` line.
    line: usize,
    /// Byte offsets and 0-based line numbers of the lines where a new item of
    /// the section's top-level sequence starts (empty for other sections).
    items: Vec<(usize, usize)>,
}

/// Where a chunk starts: a whole section, or an item inside one.
#[derive(Clone, Copy)]
struct Cut {
    offset: usize,
    line: usize,
    /// The section the cut is inside, when it is at an item.
    inside: Option<usize>,
}

/// Splits `text` into top-level sections, or `None` if the file is not a
/// plain block mapping of sections.
fn sections(text: &str) -> Option<Vec<Section<'_>>> {
    let mut out: Vec<Section<'_>> = Vec::new();
    let mut item_indent: Option<&str> = None;
    let mut expect_first = false;
    let mut offset = 0;
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        let here = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.starts_with("---") || body.starts_with("...") || body.starts_with('%') {
            return None;
        }
        let trimmed = body.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.len() == body.len() {
            // Column 0: a new section `key:` with nothing after the colon
            // (or a comment), or a one-line scalar section like `version: 1`.
            let (key, rest) = body.split_once(':')?;
            if key.is_empty()
                || !key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return None;
            }
            let rest = rest.trim();
            expect_first = rest.is_empty() || rest.starts_with('#');
            item_indent = None;
            out.push(Section {
                key,
                start: here,
                line: line_no,
                items: Vec::new(),
            });
            continue;
        }
        let section = out.last_mut()?;
        if expect_first {
            expect_first = false;
            let indent = &body[..body.len() - trimmed.len()];
            if trimmed.starts_with("- ") || trimmed == "-" {
                item_indent = Some(indent);
            }
        }
        if let Some(indent) = item_indent
            && body.len() > indent.len()
            && body.starts_with(indent)
            && (trimmed.starts_with("- ") || trimmed == "-")
            && body.len() - trimmed.len() == indent.len()
        {
            section.items.push((here, line_no));
        }
    }
    Some(out)
}

/// Picks up to `n - 1` cut points that split `text` into `n` parts of
/// roughly equal size, at section or item starts.
fn cuts(text: &str, secs: &[Section<'_>], n: usize) -> Vec<Cut> {
    let mut candidates: Vec<Cut> = Vec::new();
    for (i, s) in secs.iter().enumerate() {
        candidates.push(Cut {
            offset: s.start,
            line: s.line,
            inside: None,
        });
        // The first item directly follows the key: cutting there gains nothing.
        for &(offset, line) in s.items.iter().skip(1) {
            candidates.push(Cut {
                offset,
                line,
                inside: Some(i),
            });
        }
    }
    let mut out = Vec::new();
    for k in 1..n {
        let target = text.len() * k / n;
        let at = candidates.partition_point(|c| c.offset < target);
        if let Some(c) = candidates.get(at)
            && c.offset > 0
            && out.last().is_none_or(|p: &Cut| p.offset < c.offset)
        {
            out.push(*c);
        }
    }
    out
}

/// The text of one chunk: blank lines up to the chunk's first line, with the
/// section header (and a `version` line) restored when the chunk starts
/// inside a section.
fn chunk_text(text: &str, secs: &[Section<'_>], from: Cut, to: usize) -> String {
    let body = &text[from.offset..to];
    let mut s = String::with_capacity(body.len() + from.line + 32);
    // `version` is required in every chunk; the real one is in the first.
    s.push_str("version: 1\n");
    let header_lines = if from.inside.is_some() { 1 } else { 0 };
    for _ in 1..from.line.saturating_sub(header_lines) {
        s.push('\n');
    }
    if let Some(i) = from.inside {
        s.push_str(secs[i].key);
        s.push_str(":\n");
    }
    s.push_str(body);
    s
}

/// Parses `text` in parallel, or `None` when the serial parser must decide.
pub fn parse(
    text: &str,
    options: impl Fn() -> Options + Sync,
    min_bytes: usize,
) -> Option<TopologyFile> {
    if text.len() < min_bytes {
        return None;
    }
    let secs = sections(text)?;
    let n = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(8);
    if n < 2 {
        return None;
    }
    let cuts = cuts(text, &secs, n);
    // A chunk needs room for its `version:` line and its header line.
    if cuts.is_empty()
        || cuts.iter().any(|c| c.line < 3)
        || secs.first().is_none_or(|s| s.key != "version")
    {
        return None;
    }
    let mut bounds: Vec<(Cut, usize)> = Vec::new();
    let mut start = Cut {
        offset: 0,
        line: 0,
        inside: None,
    };
    for c in &cuts {
        bounds.push((start, c.offset));
        start = *c;
    }
    bounds.push((start, text.len()));
    let results: Vec<Option<TopologyFile>> = std::thread::scope(|scope| {
        let handles: Vec<_> = bounds
            .iter()
            .enumerate()
            .map(|(i, &(from, to))| {
                let options = &options;
                let secs = &secs;
                scope.spawn(move || {
                    let chunk = if i == 0 {
                        text[..to].to_string()
                    } else {
                        chunk_text(text, secs, from, to)
                    };
                    serde_saphyr::from_str_with_options::<TopologyFile>(&chunk, options()).ok()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect()
    });
    let mut parts = results.into_iter();
    let mut merged = parts.next()??;
    for p in parts {
        merge(&mut merged, p?)?;
    }
    Some(merged)
}

/// Appends the sections of `other` to `into`. Every field is named, so a new
/// section added to the format cannot be forgotten here.
fn merge(into: &mut TopologyFile, other: TopologyFile) -> Option<()> {
    let TopologyFile {
        version: _,
        name,
        region,
        account,
        prefix_lists,
        vpcs,
        subnets,
        route_tables,
        network_acls,
        security_groups,
        instances,
        network_interfaces,
        internet_gateways,
        egress_only_internet_gateways,
        nat_gateways,
        load_balancers,
        target_groups,
        vpc_endpoints,
        peering_connections,
        transit_gateways,
        vpn_gateways,
        customer_gateways,
        vpn_connections,
        direct_connect,
        on_prem_networks,
        block_public_access,
        s3,
        policy,
        gaps,
        sites: _,
        findings_file: _,
    } = other;
    fn one<T>(into: &mut Option<T>, v: Option<T>) -> Option<()> {
        match (into.is_some(), v) {
            (true, Some(_)) => None,
            (_, Some(v)) => {
                *into = Some(v);
                Some(())
            }
            (_, None) => Some(()),
        }
    }
    one(&mut into.name, name)?;
    one(&mut into.region, region)?;
    one(&mut into.account, account)?;
    one(&mut into.direct_connect, direct_connect)?;
    one(&mut into.block_public_access, block_public_access)?;
    one(&mut into.s3, s3)?;
    one(&mut into.policy, policy)?;
    into.prefix_lists.extend(prefix_lists);
    into.vpcs.extend(vpcs);
    into.subnets.extend(subnets);
    into.route_tables.extend(route_tables);
    into.network_acls.extend(network_acls);
    into.security_groups.extend(security_groups);
    into.instances.extend(instances);
    into.network_interfaces.extend(network_interfaces);
    into.internet_gateways.extend(internet_gateways);
    into.egress_only_internet_gateways
        .extend(egress_only_internet_gateways);
    into.nat_gateways.extend(nat_gateways);
    into.load_balancers.extend(load_balancers);
    into.target_groups.extend(target_groups);
    into.vpc_endpoints.extend(vpc_endpoints);
    into.peering_connections.extend(peering_connections);
    into.transit_gateways.extend(transit_gateways);
    into.vpn_gateways.extend(vpn_gateways);
    into.customer_gateways.extend(customer_gateways);
    into.vpn_connections.extend(vpn_connections);
    into.on_prem_networks.extend(on_prem_networks);
    into.gaps.extend(gaps);
    Some(())
}
