//! `#[glassloop::main]` and `#[glassloop::test]` — the `asyncio.run(main())` line, written as an
//! attribute.
//!
//! An `async fn` cannot be a program's `main` or a `#[test]`: something has to run the loop. These
//! attributes write that something for you. This:
//!
//! ```text
//! #[glassloop::main]
//! async fn main() { ... }
//! ```
//!
//! becomes, in effect:
//!
//! ```text
//! fn main() {
//!     glassloop::Runtime::builder().build().expect(..).block_on(async { ... })
//! }
//! ```
//!
//! Options (comma-separated): `virtual_time`, `trace`, `timeline` — each switches on the
//! `Builder` setting of the same name. A test also takes `seeds = N`: its body runs once per seed
//! `0..N` on virtual time through `glassloop::explore_seeds`, which reports the first seed that
//! fails and how to replay it. Use them through the `glassloop` crate, which re-exports them.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use proc_macro::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Ident, ItemFn, Meta, Token};

/// Runs an `async fn main` on a glassloop loop — `asyncio.run(main())`.
///
/// Options: `virtual_time`, `trace`, `timeline`.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, false)
}

/// Runs an `async fn` test on a fresh glassloop loop.
///
/// Options: `virtual_time` (timers complete instantly while keeping exact times), `trace`,
/// `timeline`; or `seeds = N` — the body runs under seeds `0..N`, each on a fresh loop with
/// virtual time (`glassloop::explore_seeds`): the first failing seed is reported with the command
/// that replays it (`GLASSLOOP_SEED=…`), and a passing test says how many distinct schedules its
/// seeds produced.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, true)
}

fn expand(args: TokenStream, item: TokenStream, is_test: bool) -> TokenStream {
    match try_expand(args, item, is_test) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn try_expand(
    args: TokenStream,
    item: TokenStream,
    is_test: bool,
) -> syn::Result<proc_macro2::TokenStream> {
    let options = Punctuated::<Meta, Token![,]>::parse_terminated.parse(args)?;
    let mut settings = Vec::new();
    let mut seeds = None;
    for option in &options {
        match option {
            Meta::NameValue(pair) if is_test && pair.path.is_ident("seeds") => {
                seeds = Some(pair.value.clone());
            }
            Meta::Path(path) => {
                let name = path.get_ident().map(Ident::to_string).unwrap_or_default();
                match name.as_str() {
                    "virtual_time" | "trace" | "timeline" => settings.push(quote!(.#path(true))),
                    _ => return Err(unknown_option(option, is_test)),
                }
            }
            _ => return Err(unknown_option(option, is_test)),
        }
    }
    if seeds.is_some() && !settings.is_empty() {
        return Err(syn::Error::new_spanned(
            &options,
            "`seeds = N` runs each seed on virtual time already; to watch one seed's run, replay \
             it with GLASSLOOP_SEED=N GLASSLOOP_TRACE=1 instead of `trace`",
        ));
    }

    let mut function: ItemFn = syn::parse(item)?;
    if function.sig.asyncness.take().is_none() {
        return Err(syn::Error::new_spanned(
            function.sig.fn_token,
            "this attribute goes on an `async fn`: it runs the function's future on a glassloop loop",
        ));
    }
    let body = &function.block;
    let attributes = &function.attrs;
    let visibility = &function.vis;
    let signature = &function.sig;
    let test_attribute = if is_test {
        quote!(#[::core::prelude::v1::test])
    } else {
        quote!()
    };
    if let Some(seeds) = seeds {
        if !matches!(signature.output, syn::ReturnType::Default) {
            return Err(syn::Error::new_spanned(
                &signature.output,
                "a test with `seeds = N` returns nothing: a failing seed is a panic (an assert)",
            ));
        }
        return Ok(quote! {
            #test_attribute
            #(#attributes)*
            #visibility #signature {
                let seen = ::glassloop::explore_seeds(#seeds, || async #body);
                ::std::println!("glassloop: {seen}");
            }
        });
    }
    Ok(quote! {
        #test_attribute
        #(#attributes)*
        #visibility #signature {
            let body = async move #body;
            ::glassloop::Runtime::builder()
                #(#settings)*
                .build()
                .expect("glassloop could not create its event loop (epoll)")
                .block_on(body)
        }
    })
}

fn unknown_option(option: &Meta, is_test: bool) -> syn::Error {
    let known = if is_test {
        "virtual_time, trace, timeline or seeds = N"
    } else {
        "virtual_time, trace or timeline"
    };
    syn::Error::new_spanned(option, format!("unknown glassloop option: use {known}"))
}
