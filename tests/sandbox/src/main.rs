fn main() {
    eprintln!("sandbox server: work in progress");
}
