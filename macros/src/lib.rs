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
//! `Builder` setting of the same name. Use them through the `glassloop` crate, which re-exports
//! them.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use proc_macro::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Ident, ItemFn, Token};

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
/// `timeline`.
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
    let options = Punctuated::<Ident, Token![,]>::parse_terminated.parse(args)?;
    let mut settings = Vec::new();
    for option in &options {
        match option.to_string().as_str() {
            "virtual_time" | "trace" | "timeline" => settings.push(quote!(.#option(true))),
            other => {
                let message = format!(
                    "unknown glassloop option `{other}`: use virtual_time, trace or timeline"
                );
                return Err(syn::Error::new(option.span(), message));
            }
        }
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
