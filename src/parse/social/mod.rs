//! Social sources → [`Post`](super::Post)s: a Telegram channel's public web preview
//! (`https://t.me/s/<channel>`) and Mastodon's public REST API (account and hashtag timelines).
//! Only the parsing half lives here: handles to URLs, pages and JSON to posts. Fetching, paging
//! (`?before=` on Telegram, `min_id`/`max_id` or the `Link` header on Mastodon) and the
//! "only posts newer than the last one seen" rule belong to the crawler. Like all of `parse`,
//! synchronous, no IO, never fails, never panics.

mod mastodon;
mod telegram;

pub use mastodon::{mastodon_account_id, mastodon_statuses};
pub use telegram::{TelegramPage, telegram_channel, telegram_page, telegram_url};

#[cfg(test)]
mod tests;
