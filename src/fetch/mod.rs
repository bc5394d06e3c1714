//! Getting documents: HTTP (in a later stage), robots.txt, charset decoding and the address
//! guard. Today this holds the charset decoder, which the `extract` command shares with the
//! crawler: every byte stream becomes text here and nowhere else.

pub mod charset;
