//! Document → findings: detect candidates, validate, normalise, score. (Being written.)

pub(crate) mod bank_card;
pub(crate) mod crypto;
