//! Resolving the units a request names (R3, R4, R12–R17, R34): a serial range checked
//! block by block, or a quantity the runtime selects from an account, highest serials
//! first (R13, R31).

use crate::error::Code;
use crate::ids::*;
use crate::limits::{RANGE_BLOCKS_MAX, SELECTION_BLOCKS_MAX};
use crate::model::Metric;
use crate::protocol::UnitsSpec;
use crate::state::{ReadStore, StateExt};
use crate::tx::context::Checks;
use crate::units::{UnitBlock, UnitId};

/// Which unit checks an action needs.
#[derive(Clone, Copy, Debug)]
pub struct Needs<'a> {
    /// R12: the units must be held by this account.
    pub holder: Option<&'a AccountId>,
    /// R15: the units must not be in a terminal account.
    pub not_terminal: bool,
    /// R16: the units must not be reserved.
    pub not_reserved: bool,
    /// R34: the units must not be on hold.
    pub not_on_hold: bool,
}

impl<'a> Needs<'a> {
    /// Everything a movement out of `holder` needs.
    pub fn movement(holder: &'a AccountId) -> Self {
        Self { holder: Some(holder), not_terminal: true, not_reserved: true, not_on_hold: true }
    }
}

/// The units selected: slices of stored blocks, in serial order, all homogeneous.
#[derive(Clone, Debug)]
pub struct Selection {
    /// Each selected slice (its attributes are the stored block's).
    pub pieces: Vec<UnitBlock>,
}

impl Selection {
    /// Total units.
    pub fn quantity(&self) -> u64 {
        self.pieces.iter().map(UnitBlock::quantity).sum()
    }

    /// The first piece (every piece shares its attributes).
    pub fn head(&self) -> &UnitBlock {
        &self.pieces[0]
    }
}

/// Resolves `spec` in cooperative approach `ca`, recording every failed check.
pub fn select<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    ca: &CaId,
    metric: Option<&Metric>,
    spec: &UnitsSpec,
    needs: Needs<'_>,
) -> Option<Selection> {
    // R4: a positive whole quantity; non-GHG approaches also give the metric quantity.
    ck.ensure(spec.quantity > 0, Code::InvalidQuantity, || "the quantity must be at least 1".into());
    if let Some(Metric::NonGhg(name)) = metric {
        ck.ensure(
            spec.metric_quantity.is_some_and(|q| q > 0) && spec.conversion_factor_ppm.is_some_and(|f| f > 0),
            Code::InvalidQuantity,
            || format!("{ca} uses the non-GHG metric {name}: give metric_quantity and conversion_factor_ppm"),
        );
    }
    let pieces = match (&spec.first, &spec.last) {
        (Some(first), Some(last)) => range(st, ck, ca, first.as_str(), last.as_str(), spec.quantity, needs)?,
        (None, None) => {
            // R2: quantity requests need a source account and cannot filter ranges.
            let Some(holder) = needs.holder else {
                ck.fail(Code::InvalidMessage, "this action needs the units as a range (`first` and `last`)");
                return None;
            };
            if spec.quantity == 0 {
                return None;
            }
            by_quantity(st, ck, ca, holder, spec)?
        }
        _ => {
            ck.fail(Code::InvalidMessage, "give both `first` and `last` unit identifiers, or neither");
            return None;
        }
    };
    Some(Selection { pieces })
}

fn parse_range(ck: &mut Checks, ca: &CaId, first: &str, last: &str) -> Option<(UnitId, UnitId)> {
    // R3: both identifiers well formed, in one CA, registry, FTP and vintage, ordered.
    let (a, b) = match (UnitId::parse(first), UnitId::parse(last)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            for err in [a.err(), b.err()].into_iter().flatten() {
                ck.fail(Code::InvalidUnitIdentifier, err);
            }
            return None;
        }
    };
    let same = a.ca == b.ca && a.registry == b.registry && a.ftp == b.ftp && a.vintage == b.vintage;
    let mut ok = ck.ensure(same, Code::InvalidUnitIdentifier, || {
        format!("{a} and {b} differ in cooperative approach, registry, Party or vintage")
    });
    ok &= ck.ensure(a.serial <= b.serial, Code::InvalidUnitIdentifier, || {
        format!("the first serial {} is after the last {}", a.serial, b.serial)
    });
    ok &= ck.ensure(&a.ca == ca, Code::InvalidUnitIdentifier, || {
        format!("the units belong to {}, the action names {ca}", a.ca)
    });
    ok.then_some((a, b))
}

fn range<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    ca: &CaId,
    first: &str,
    last: &str,
    quantity: u64,
    needs: Needs<'_>,
) -> Option<Vec<UnitBlock>> {
    let (a, b) = parse_range(ck, ca, first, last)?;
    let size = b.serial - a.serial + 1;
    // R4: the quantity equals the size of the range.
    ck.ensure(quantity == size, Code::InvalidQuantity, || {
        format!("quantity {quantity} given for {size} units ({}..{})", a.serial, b.serial)
    });
    let blocks = st.blocks_in_range(&a.ca, &a.ftp, a.serial, b.serial);
    if blocks.len() > RANGE_BLOCKS_MAX {
        ck.fail(Code::NonHomogeneousBlock, format!("the range spans {} blocks; split it", blocks.len()));
        return None;
    }
    // R12: every serial exists.
    let mut expected = a.serial;
    for block in &blocks {
        if block.first > expected {
            break;
        }
        expected = block.last + 1;
    }
    let covered = !blocks.is_empty() && blocks[0].first <= a.serial && expected > b.serial;
    if !ck.ensure(covered, Code::UnitsNotFound, || format!("units {a}..{b} do not all exist")) {
        return None;
    }
    let pieces: Vec<UnitBlock> =
        blocks.iter().map(|blk| blk.slice(a.serial.max(blk.first), b.serial.min(blk.last))).collect();
    // R3: the identifiers' registry and vintage are the units' own.
    for piece in &pieces {
        ck.ensure(
            piece.attrs.origin == a.registry && piece.attrs.vintage == a.vintage,
            Code::InvalidUnitIdentifier,
            || {
                format!(
                    "units {} are {}, not registry {} vintage {}",
                    piece.range_text(),
                    piece.range_text(),
                    a.registry,
                    a.vintage
                )
            },
        );
    }
    check_pieces(st, ck, &pieces, needs);
    Some(pieces)
}

/// R12 (held), R15, R16, R17, R34 on resolved pieces.
fn check_pieces<S: ReadStore + ?Sized>(st: &S, ck: &mut Checks, pieces: &[UnitBlock], needs: Needs<'_>) {
    for piece in pieces {
        if let Some(holder) = needs.holder {
            ck.ensure(&piece.attrs.account == holder, Code::UnitsNotHeld, || {
                format!("units {} are held by {}, not {holder}", piece.range_text(), piece.attrs.account)
            });
        }
        if needs.not_terminal {
            let terminal = st.account(&piece.attrs.account).is_some_and(|a| a.kind.is_terminal());
            ck.ensure(!terminal, Code::UnitsAlreadyRetired, || {
                format!("units {} are in {}, a terminal account", piece.range_text(), piece.attrs.account)
            });
        }
        if needs.not_reserved {
            ck.ensure(piece.attrs.reserved_by.is_none(), Code::UnitsReserved, || {
                let by = piece.attrs.reserved_by.map(|h| h.to_hex()).unwrap_or_default();
                format!("units {} are reserved by pending transfer {by}", piece.range_text())
            });
        }
        if needs.not_on_hold {
            ck.ensure(!piece.attrs.hold, Code::UnitsOnHold, || {
                format!("units {} are on hold", piece.range_text())
            });
        }
    }
    // R17: one homogeneous block.
    let homogeneous = pieces.windows(2).all(|w| w[0].attrs == w[1].attrs);
    ck.ensure(homogeneous, Code::NonHomogeneousBlock, || {
        "the units differ in holder, authorization, first-transfer state or hold; split the request".into()
    });
}

fn by_quantity<S: ReadStore + ?Sized>(
    st: &S,
    ck: &mut Checks,
    ca: &CaId,
    holder: &AccountId,
    spec: &UnitsSpec,
) -> Option<Vec<UnitBlock>> {
    let wanted = |b: &UnitBlock| {
        &b.ca == ca
            && b.attrs.reserved_by.is_none()
            && !b.attrs.hold
            && spec.vintage.is_none_or(|v| v == b.attrs.vintage)
            && spec
                .authorization
                .as_ref()
                .is_none_or(|id| b.attrs.authorization.as_ref().is_some_and(|a| &a.id == id))
    };
    let candidates: Vec<UnitBlock> = st.blocks_of_account(holder).into_iter().filter(wanted).collect();
    // R13: the first homogeneous class (in key order) with enough units.
    let mut classes: Vec<(&Party, &crate::units::UnitAttrs, u64)> = Vec::new();
    for b in &candidates {
        match classes.iter_mut().find(|(ftp, attrs, _)| *ftp == &b.ftp && *attrs == &b.attrs) {
            Some(class) => class.2 += b.quantity(),
            None => classes.push((&b.ftp, &b.attrs, b.quantity())),
        }
    }
    let Some((ftp, attrs, _)) = classes.iter().find(|(_, _, total)| *total >= spec.quantity) else {
        let best = classes.iter().map(|c| c.2).max().unwrap_or(0);
        ck.fail(
            Code::InsufficientBalance,
            format!("{holder} holds {best} available homogeneous units of {ca}, {} requested", spec.quantity),
        );
        // R17: enough units in all, but only across classes that differ in some attribute
        // of R17 (vintage, authorization, first-transfer state, project, ...): the client
        // must split the request, which A6-3003 alone would not tell it.
        let total = classes.iter().fold(0u64, |sum, c| sum.saturating_add(c.2));
        if total >= spec.quantity {
            ck.fail(
                Code::NonHomogeneousBlock,
                format!(
                    "{holder} holds {total} available units of {ca} in {} classes that differ in vintage, \
                     authorization, first-transfer state, project or Party, at most {best} in one; \
                     split the request of {}",
                    classes.len(),
                    spec.quantity
                ),
            );
        }
        return None;
    };
    // R31: take the highest serials; the lower ones stay.
    let mut remaining = spec.quantity;
    let mut pieces = Vec::new();
    for b in candidates.iter().rev().filter(|b| &&b.ftp == ftp && &&b.attrs == attrs) {
        if remaining == 0 {
            break;
        }
        let take = remaining.min(b.quantity());
        pieces.push(b.slice(b.last + 1 - take, b.last));
        remaining -= take;
        if pieces.len() > SELECTION_BLOCKS_MAX {
            ck.fail(Code::NonHomogeneousBlock, "the units are too fragmented; name a range instead");
            return None;
        }
    }
    pieces.reverse();
    Some(pieces)
}
