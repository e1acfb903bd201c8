//! Integration tests of the server: the real application on port 0 with a temporary
//! SQLite database, spoken to over HTTP.

mod demo;
mod gateway;
mod health;
mod helpers;
mod tail;
