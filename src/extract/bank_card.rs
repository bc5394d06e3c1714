//! Bank cards. (Being written.)
