//! Bytes → text. (Being written.)
