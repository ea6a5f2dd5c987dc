//! Wallet methods.

use padma_rpc::rpc_methods;
use padma_types::json::{
    AddressJson, BytesJson, KeyInfoJson, MessageJson, SignatureJson, SignedMessageJson,
    TokenAmountJson,
};

rpc_methods! {
    /// The wallet methods, in table order.
    pub fn wallet_methods;
    /// A new key of type `bls` or `secp256k1`; its address.
    WalletNew = "Filecoin.WalletNew", Write, call (key_type: serde_json::Value) -> AddressJson;
    /// Every key's address.
    WalletList = "Filecoin.WalletList", Write, call () -> Vec<AddressJson>;
    /// Whether the wallet holds the key of an address.
    WalletHas = "Filecoin.WalletHas", Write, call (address: AddressJson) -> bool;
    /// The default address.
    WalletDefaultAddress = "Filecoin.WalletDefaultAddress", Write, call () -> AddressJson;
    /// Sets the default address.
    WalletSetDefault = "Filecoin.WalletSetDefault", Write, call (address: AddressJson) -> ();
    /// Signs bytes with an address's key.
    WalletSign = "Filecoin.WalletSign", Sign, call (address: AddressJson, data: BytesJson) -> SignatureJson;
    /// Signs a message's CID; the signed message.
    WalletSignMessage = "Filecoin.WalletSignMessage", Sign, call (address: AddressJson, message: MessageJson) -> SignedMessageJson;
    /// Whether a signature of the data is valid for the address.
    WalletVerify = "Filecoin.WalletVerify", Read, call (address: AddressJson, data: BytesJson, signature: SignatureJson) -> bool;
    /// Stores a key; its address.
    WalletImport = "Filecoin.WalletImport", Admin, call (key: KeyInfoJson) -> AddressJson;
    /// An address's key.
    WalletExport = "Filecoin.WalletExport", Admin, call (address: AddressJson) -> KeyInfoJson;
    /// Removes a key.
    WalletDelete = "Filecoin.WalletDelete", Admin, call (address: AddressJson) -> ();
    /// An address's balance at the head.
    WalletBalance = "Filecoin.WalletBalance", Read, call (address: AddressJson) -> TokenAmountJson;
    /// Parses an address text.
    WalletValidateAddress = "Filecoin.WalletValidateAddress", Read, call (text: String) -> AddressJson;
}
