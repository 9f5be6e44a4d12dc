//! The `ltlattn` binary: parse the arguments, run, report, exit (0 yes, 1 no, 2 error).
//! Two front ends over the library: the command line (`cli`) and the web page with its
//! JSON API (`serve`, started by `ltlattn serve`).

use clap::Parser;

mod cli;
#[cfg(feature = "serve")]
mod serve;

fn main() {
    // The z3 engine runs in a child process of this binary (src/smt/isolate.rs), so that
    // a solver abort or crash ends in "could not decide" and not in this process's end.
    #[cfg(feature = "z3")]
    {
        use ltlattn::engine::z3::isolate;
        if std::env::args_os().nth(1).as_deref() == Some(std::ffi::OsStr::new(isolate::CHILD_ARG)) {
            std::process::exit(isolate::child_main());
        }
        if let Ok(me) = std::env::current_exe() {
            isolate::run_in_children_of(me);
        }
    }
    // Messages stay on one line each: scripts grep them and logs keep them whole.
    let handler = || miette::MietteHandlerOpts::new().wrap_lines(false).build();
    let _ = miette::set_hook(Box::new(move |_| Box::new(handler())));
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                cli::Exit::Error.code()
            } else {
                0
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(report) => {
            // One error style: without the code line some errors carry (cli::Plain).
            struct Shown<'a>(miette::MietteHandler, cli::Plain<'a>);
            impl std::fmt::Display for Shown<'_> {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    miette::ReportHandler::debug(&self.0, &self.1, f)
                }
            }
            eprintln!("{}", Shown(handler(), cli::Plain(&report)));
            cli::Exit::Error.code()
        }
    };
    std::process::exit(code);
}
