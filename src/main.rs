fn main() {
    println!("winsock-doctor: not yet");
}
