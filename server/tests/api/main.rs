//! Integration tests of the server: the real application on port 0 with a temporary
//! SQLite database, spoken to over HTTP.

mod accounts;
mod agents;
mod audit;
mod cli;
mod cluster;
mod data;
mod demo;
mod deploy;
mod gateway;
mod gateway_auth;
mod health;
mod helpers;
mod ops;
mod rate_limits;
mod roles;
mod tail;
mod talk;
mod tasks;
mod tenancy;
mod web;
