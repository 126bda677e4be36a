//! Tests written through a `macro_rules!` wrapper: ripgrep's `rgtest!(name, |dir, cmd| {..})`
//! expands to `#[test] fn $name() { .. $fun(dir, cmd) }`. A macro whose expansion holds a test
//! attribute and `fn $param` makes each of its invocations a test, named by the argument bound
//! to `$param`, whose code is the arguments after it. To tree-sitter a macro's arguments are
//! tokens, so the code of a file's invocations is parsed again, once: each in a block written over
//! the invocation's own delimiters in an otherwise blank copy of the file, where its nodes keep
//! the file's lines, columns and text.

use std::ops::Range;

use tree_sitter::Parser;

use super::*;

/// The code of a file's test macro invocations, parsed.
pub(super) struct Expansion {
    tree: Tree,
    /// Each invocation's start, with its test's name and the start of the block its code is
    /// parsed in (the invocation's own opening delimiter).
    tests: Vec<(usize, String, usize)>,
}

impl Expansion {
    pub(super) fn root(&self) -> Node<'_> {
        self.tree.root_node()
    }

    /// The tests by the start of their invocation: each one's name and code (the closure it
    /// was given, or all of its code).
    pub(super) fn tests<'t>(&'t self) -> HashMap<usize, (&'t str, Node<'t>)> {
        let code = |start: usize| {
            // The block, or what the parser made of code that is not Rust (a macro's own
            // language): the outermost node below the block that starts at the delimiter.
            let smallest = self.root().named_descendant_for_byte_range(start, start)?;
            let up = |n: &Node<'t>| {
                n.parent()
                    .filter(|p| n.kind() != "block" && p.start_byte() == start)
            };
            let block = std::iter::successors(Some(smallest), up).last()?;
            Some(match named_children(block)[..] {
                [closure] if closure.kind() == "closure_expression" => closure,
                _ => block,
            })
        };
        let tests = self.tests.iter();
        tests
            .filter_map(|(at, name, start)| Some((*at, (name.as_str(), code(*start)?))))
            .collect()
    }
}

/// The invocations of the file's test macros, their code parsed; None when there are none.
pub(super) fn expand(root: Node<'_>, cx: &FileCtx<'_>) -> Option<Expansion> {
    let invoked = |name: &String| cx.src.contains(&format!("{name}!"));
    if !cx.src.contains("macro_rules!") && !cx.test_macros.keys().any(invoked) {
        return None;
    }
    let nodes = descendants(root);
    // The file's own test macros, seen after their definition in their module; else the
    // crate's, seen in all of its files.
    let own: HashMap<_, _> = nodes.iter().filter_map(|d| test_macro(*d, cx)).collect();
    let test_arg = |call: Node<'_>| match own.get(macro_name(call, cx)) {
        Some((arg, scope)) => scope.contains(&call.start_byte()).then_some(*arg),
        None => cx.test_macros.get(macro_name(call, cx)).copied(),
    };
    let src = cx.src.as_bytes();
    let blank = |&b: &u8| if b == b'\n' { b } else { b' ' };
    let mut text: Vec<u8> = src.iter().map(blank).collect();
    let mut tests = Vec::new();
    for call in nodes.into_iter().filter(|n| n.kind() == "macro_invocation") {
        let (Some(at), Some(tree)) = (test_arg(call), token_tree(call)) else {
            continue;
        };
        let tokens = inner_tokens(tree);
        let args = arguments(&tokens, cx);
        let code = args.get(at + 1..).map(<[_]>::concat).unwrap_or_default();
        let (Some([name]), Some(first), Some(last)) = (args.get(at), code.first(), code.last())
        else {
            continue;
        };
        // The code in a block written over the invocation's own delimiters, one byte each, so
        // that every node keeps its line and column.
        let (a, b) = (first.start_byte(), last.end_byte());
        let (open, close) = (tree.start_byte(), tree.end_byte() - 1);
        text[a..b].copy_from_slice(&src[a..b]);
        text[open] = b'{';
        text[close] = b'}';
        // The arguments after the name, as statements.
        let separators = tokens.iter().filter(|t| (a..b).contains(&t.start_byte()));
        for separator in separators.filter(|t| is_separator(**t, cx)) {
            text[separator.byte_range()].fill(b' ');
            text[separator.start_byte()] = b';';
        }
        tests.push((call.start_byte(), cx.text(*name).to_owned(), open));
    }
    (!tests.is_empty()).then_some(())?;
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_rust::LANGUAGE.into())
        .ok()?;
    let tree = parser.parse(&text, None)?;
    Some(Expansion { tree, tests })
}

/// A test-defining macro: its name, which argument of an invocation names the test, and the
/// bytes of the file where invocations see it (after its definition, in its module).
pub(super) fn test_macro<'s>(
    definition: Node<'_>,
    cx: &FileCtx<'s>,
) -> Option<(&'s str, (usize, Range<usize>))> {
    (definition.kind() == "macro_definition").then_some(())?;
    let mut rules = named_children(definition).into_iter();
    let arg = rules.find_map(|rule| test_name_argument(rule, cx))?;
    let name = cx.text(definition.child_by_field_name("name")?);
    let scope = definition.end_byte()..definition.parent()?.end_byte();
    Some((name, (arg, scope)))
}

/// Which argument of a rule's pattern names the test its expansion defines: the `$param:ident`
/// of a `#[test] fn $param`.
fn test_name_argument(rule: Node<'_>, cx: &FileCtx<'_>) -> Option<usize> {
    let expansion = rule.child_by_field_name("right")?;
    let fn_param = |pair: &[Node<'_>]| cx.text(pair[0]) == "fn" && pair[1].kind() == "metavariable";
    let param = descendants(expansion).into_iter().find_map(|tree| {
        let tokens = children(tree);
        let at = tokens.windows(2).position(fn_param)?;
        attributed_test(&tokens[..at], cx).then(|| cx.text(tokens[at + 1]))
    })?;
    let pattern = inner_tokens(rule.child_by_field_name("left")?);
    arguments(&pattern, cx).iter().position(|arg| {
        let field = |name| arg.first()?.child_by_field_name(name).map(|n| cx.text(n));
        arg.len() == 1 && field("name") == Some(param) && field("type") == Some("ident")
    })
}

/// Whether the tokens before a `fn` end with attributes (`#` and a `[..]` group each), one of
/// them a test attribute.
fn attributed_test(tokens: &[Node<'_>], cx: &FileCtx<'_>) -> bool {
    let texts = tokens.iter().rev().map(|t| cx.text(*t));
    let mut before = texts.skip_while(|t| matches!(*t, "pub" | "async" | "unsafe"));
    let mut test = false;
    while let (Some(group), Some("#")) = (before.next(), before.next()) {
        let Some(attribute) = group.strip_prefix('[') else {
            break;
        };
        let path = attribute.split(['(', ']']).next();
        test |= path.is_some_and(is_test_runner);
    }
    test
}

/// The tokens of a token tree or pattern without its delimiters.
fn inner_tokens(tree: Node<'_>) -> Vec<Node<'_>> {
    let mut tokens = children(tree);
    tokens.pop();
    tokens.into_iter().skip(1).collect()
}

fn is_separator(token: Node<'_>, cx: &FileCtx<'_>) -> bool {
    matches!(cx.text(token), "," | ";" | "=>")
}

/// The arguments of a macro's tokens, split at their separators.
fn arguments<'a, 't>(tokens: &'a [Node<'t>], cx: &FileCtx<'_>) -> Vec<&'a [Node<'t>]> {
    tokens.split(|t| is_separator(*t, cx)).collect()
}
