//! Wallet addresses. (Being written.)
