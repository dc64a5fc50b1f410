# syntax=docker/dockerfile:1
# The ferry command, built from this repository: docker build -t ferry . && docker run --rm ferry --help

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests -pl cli -am package

FROM eclipse-temurin:17-jre
COPY --from=build /src/cli/target/ferry.jar /opt/ferry/ferry.jar
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-Xmx320m", "-Xmn160m", "-jar", "/opt/ferry/ferry.jar"]
CMD ["--help"]
