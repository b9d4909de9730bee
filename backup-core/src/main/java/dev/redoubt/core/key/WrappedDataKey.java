package dev.redoubt.core.key;

import java.util.List;

/**
 * A backup's data key, encrypted by a key-encryption key, as the manifest records it.
 *
 * @param type {@code key-file} (AES-256-GCM under a symmetric key) or {@code openpgp}
 * @param keyIds identifiers of the key(s) that can unwrap it, so a wrong key is named as
 * such
 * @param wrapped the encrypted key, base64
 */
public record WrappedDataKey(String type, List<String> keyIds, String wrapped) {
}
