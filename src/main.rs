fn main() {
    println!("zhnorm skeleton");
}
