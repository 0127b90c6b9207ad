//! `zhnorm completions SHELL` and `zhnorm man`: a shell completion script and
//! a manual page, both generated from the clap definition in `cli.rs`.
//!
//! Generated rather than written by hand so that they list exactly the flags
//! and values `--help` lists, and cannot fall behind when a flag is added.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// What to print: one of the documents generated from the command line
/// definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Generated {
    /// A completion script for this shell.
    Completions(Shell),
    /// A manual page in roff (section 1): zhnorm's, or with a subcommand's
    /// name, that subcommand's (zhnorm-detect, ...), which zhnorm's page
    /// refers to.
    Man(Option<String>),
}

/// Writes `what` to `out`.
pub fn write(what: Generated, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = Cli::command();
    match what {
        Generated::Completions(shell) => {
            // The name the script registers completions for: the installed
            // command's, whatever the binary file was called when run.
            clap_complete::generate(shell, &mut cmd, "zhnorm", out);
            Ok(())
        }
        Generated::Man(None) => clap_mangen::Man::new(cmd).render(out),
        Generated::Man(Some(name)) => {
            // Building propagates the parent's settings and gives each
            // subcommand its display name, zhnorm-NAME: the page's title.
            cmd.build();
            let Some(sub) = cmd.find_subcommand(&name) else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("no subcommand {name}"),
                ));
            };
            clap_mangen::Man::new(sub.clone()).render(out)
        }
    }
}

/// Prints `what` on standard output and returns the exit status: 0, or 2
/// when standard output fails. A reader that goes away early
/// (`zhnorm man | head`) is not a failure, as for the main command.
pub fn print(what: Generated) -> i32 {
    // Generated into memory first: clap_complete panics when its writer
    // fails, and `zhnorm completions bash | head` closes the pipe early.
    let mut buf = Vec::new();
    let written = write(what, &mut buf).and_then(|()| {
        let mut out = io::stdout().lock();
        out.write_all(&buf)?;
        out.flush()
    });
    match written {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("zhnorm: standard output: {e}");
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    fn generated(what: Generated) -> String {
        let mut buf = Vec::new();
        write(what, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    /// Flags a user reaches for first; each shell's script must offer them.
    const MAIN_FLAGS: &[&str] = &["--config", "--output", "--from", "--format", "--in-place"];

    #[test]
    fn every_shell_completes_the_main_flags_and_subcommands() {
        for shell in Shell::value_variants() {
            let script = generated(Generated::Completions(*shell));
            assert!(!script.is_empty(), "{shell}: empty script");
            assert!(script.contains("zhnorm"), "{shell}: command name missing");
            for flag in MAIN_FLAGS {
                // fish names a long option `-l config`; the others as typed.
                let spelled = match shell {
                    Shell::Fish => format!("-l {}", &flag[2..]),
                    _ => flag.to_string(),
                };
                assert!(script.contains(&spelled), "{shell}: {flag} missing");
            }
            assert!(script.contains("detect"), "{shell}: subcommand missing");
        }
    }

    #[test]
    fn completions_offer_the_config_names() {
        // Possible values come from the same list `-c` accepts, so a shell
        // can complete `-c tw<TAB>`.
        let script = generated(Generated::Completions(Shell::Bash));
        for name in ["t2s", "tw2sp", "s2hk", "jp2t"] {
            assert!(script.contains(name), "{name} missing");
        }
    }

    #[test]
    fn man_page_describes_the_main_flags() {
        let page = generated(Generated::Man(None));
        assert!(
            page.starts_with(".ie") || page.starts_with(".TH"),
            "not roff"
        );
        assert!(page.contains(".TH zhnorm 1"), "no title line for section 1");
        // roff escapes the hyphens of long options.
        for flag in MAIN_FLAGS {
            let escaped = flag.replace('-', "\\-");
            assert!(page.contains(&escaped), "{flag} missing");
        }
        assert!(
            page.contains("EXIT STATUS"),
            "the exit statuses are missing"
        );
    }

    #[test]
    fn every_page_the_man_page_refers_to_exists() {
        let page = generated(Generated::Man(None));
        let mut cmd = Cli::command();
        cmd.build();
        assert!(
            cmd.get_subcommands().count() >= 4,
            "detect, completions, man, help"
        );
        for sub in cmd.get_subcommands() {
            let title = format!("zhnorm-{}", sub.get_name());
            // roff escapes the hyphen of a reference.
            let reference = format!("zhnorm\\-{}(1)", sub.get_name());
            assert!(page.contains(&reference), "{title} not referred to");
            let own = generated(Generated::Man(Some(sub.get_name().to_string())));
            assert!(own.contains(&format!(".TH {title} 1")), "{own}");
        }
        // The detect page describes detect's own flags.
        let detect = generated(Generated::Man(Some("detect".into())));
        assert!(detect.contains("\\-\\-json") && detect.contains("\\-\\-include"));
    }

    #[test]
    fn an_unknown_subcommand_page_is_an_error_not_a_panic() {
        let mut buf = Vec::new();
        let err = write(Generated::Man(Some("nope".into())), &mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
